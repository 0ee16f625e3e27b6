#!/usr/bin/python3
"""Two-factor sign-in (cgi-bin/account_two_factor.cpp, cgi-bin/login_two_factor.cpp) over HTTP,
with codes computed by an independent TOTP implementation (tests/support/totp.py) from the
secret the setup page shows."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from stack import Stack, sql_text  # noqa: E402
import totp  # noqa: E402

THROTTLE_FAILURES = 3
PASSWORD = "correct horse"
INVALID_CODE = "Invalid code."

stack = Stack("cgi-bin-two-factor", config={"throttle_failures": THROTTLE_FAILURES})


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def user_sql(name, statement):
    """`statement` with {user} replaced by the user's id."""
    return stack.sql(statement.replace("{user}", "(SELECT id FROM users WHERE username = %s)" % sql_text(name)))


def setup_page(visitor):
    page = visitor.get("/account/two-factor")
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    return page


def post_action(visitor, action, **fields):
    data = {"csrf_token": CSRF_PATTERN.search(setup_page(visitor).text).group(1), "action": action}
    data.update(fields)
    return visitor.post("/account/two-factor", data)


def start_setup(visitor):
    """Starts setting up; returns the base32 secret the page shows."""
    answer = post_action(visitor, "setup")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account/two-factor", answer
    match = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', setup_page(visitor).text)
    assert match, "no secret on the setup page"
    return match.group(1)


def recovery_codes_in(page_text):
    block = re.search(r'<ul id="recovery-codes">(.*?)</ul>', page_text, re.S)
    return re.findall(r"<code>([^<]+)</code>", block.group(1)) if block else []


def user_with_two_factor(testcase, prefix="tf"):
    """A new user with two-factor sign-in on: (name, secret, recovery codes, signed-in visitor).
    The enabling code is the previous step's, so the current one is still unused."""
    visitor = Visitor(stack.url)
    name = visitor.signed_up_and_in(prefix)
    secret = start_setup(visitor)
    step = totp.steady_step()
    answer = post_action(visitor, "enable", code=totp.code(secret, step - 1))
    testcase.assertEqual(answer.status_code, 200)
    codes = recovery_codes_in(answer.text)
    testcase.assertEqual(len(codes), 10, answer.text[:3000])
    return name, secret, codes, visitor


def password_step(name, password=PASSWORD, remember_me=False, next_path=None):
    """A new browser that got through the password; returns it and the answer."""
    visitor = Visitor(stack.url)
    answer = visitor.login(name, password=password, remember_me=remember_me, next_path=next_path)
    return visitor, answer


def send_code(visitor, code):
    form = visitor.get("/login/two-factor")
    match = CSRF_PATTERN.search(form.text)
    if not match:
        return form
    return visitor.post("/login/two-factor", {"csrf_token": match.group(1), "code": code})


def is_signed_in(visitor, name):
    page = visitor.get("/index")
    assert page.status_code < 500
    return page.status_code == 200 and ("Hi, %s!" % name) in page.text


def code_error(answer):
    match = re.search(r'<span class="field-error" id="code-error">(.*?)</span>', answer.text)
    return match.group(1) if match else None


class SetUpTest(unittest.TestCase):
    def test_setup_shows_a_160_bit_secret_as_text_and_qr_code_and_needs_a_code_to_enable(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("tf")
        off = setup_page(visitor)
        self.assertIn("Set up two-factor sign-in", off.text)
        secret = start_setup(visitor)
        self.assertEqual(len(secret), 32)  # 160 bits in base32
        page = setup_page(visitor).text
        self.assertRegex(page, r'<svg class="qr-code"[^>]*viewBox="0 0 (\d+) \1"[^>]*>.*<path fill="#000" '
                               r'd="(M\d+ \d+h\d+v1h-\d+z)+"/></svg>')
        self.assertIn('<button type="submit" name="action" value="enable">Enable</button>', page)
        # Not active yet: signing in needs no code.
        _, answer = password_step(name)
        self.assertEqual(answer.headers["Location"], "/index")
        wrong = post_action(visitor, "enable", code="000000" if totp.code(secret) != "000000" else "111111")
        self.assertEqual(code_error(wrong), INVALID_CODE)
        self.assertEqual(recovery_codes_in(wrong.text), [])
        self.assertIn(secret, wrong.text)  # the same secret, to try again
        right = post_action(visitor, "enable", code=totp.code(secret, totp.steady_step()))
        self.assertEqual(right.status_code, 200)
        codes = recovery_codes_in(right.text)
        self.assertEqual(len(codes), 10)
        self.assertEqual(len(set(codes)), 10)
        for code in codes:
            self.assertRegex(code, r"^[a-z2-9]{5}-[a-z2-9]{5}$")
        self.assertIn("Two-factor sign-in is <strong>on</strong>", right.text)
        self.assertIn("You have 10 unused recovery codes.", setup_page(visitor).text)
        # Shown once: not on the page any more.
        self.assertEqual(recovery_codes_in(setup_page(visitor).text), [])

    def test_the_secret_is_stored_encrypted_and_codes_only_as_hashes(self):
        name, secret, codes, _ = user_with_two_factor(self)
        import base64
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8)).hex()
        stored = user_sql(name, "SELECT HEX(secret), pending_secret IS NULL FROM two_factor WHERE user_id = {user}")
        self.assertEqual(len(stored), 1)
        self.assertEqual(stored[0][1], "1")
        self.assertNotIn(raw.upper(), stored[0][0])
        self.assertNotIn(secret.encode().hex().upper(), stored[0][0])
        hashes = user_sql(name, "SELECT HEX(code_hash) FROM recovery_codes WHERE user_id = {user}")
        self.assertEqual(len(hashes), 10)
        for code in codes:
            self.assertNotIn(code.encode().hex().upper(), "".join(h[0] for h in hashes))

    def test_the_page_needs_a_recent_password_confirmation(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("tf")
        user_sql(name, "UPDATE sessions SET confirmed_at = UTC_TIMESTAMP() - INTERVAL 11 MINUTE WHERE user_id = {user}")
        answer = visitor.get("/account/two-factor")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/confirm?next=%2Faccount%2Ftwo-factor")

    def test_the_recovery_codes_download_as_a_text_file(self):
        name, secret, codes, visitor = user_with_two_factor(self)
        answer = post_action(visitor, "download", codes=" ".join(codes))
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.headers["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual(answer.headers["Content-Disposition"], 'attachment; filename="microblog-recovery-codes.txt"')
        self.assertEqual([line for line in answer.text.splitlines() if re.match(r"^[a-z2-9]{5}-", line)], codes)
        for bad in ("<script>alert(1)</script>", codes[0] + " aaaaa-bbbbb", "", "x" * 300):
            with self.subTest(codes=bad[:20]):
                refused = post_action(visitor, "download", codes=bad)
                self.assertEqual(refused.status_code, 400)
                self.assertNotIn("<script>alert", refused.text)

    def test_a_visitor_cannot_reach_the_setup_page(self):
        answer = Visitor(stack.url).get("/account/two-factor")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/login?next=%2Faccount%2Ftwo-factor")


class SignInTest(unittest.TestCase):
    def test_the_password_alone_gives_no_session_and_the_right_code_completes_the_sign_in(self):
        name, secret, _, _ = user_with_two_factor(self)
        visitor, answer = password_step(name, remember_me=True, next_path="/account?tab=1")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/login/two-factor")
        self.assertNotIn("session", visitor.http.cookies)
        pending = [c for c in answer.raw.headers.getlist("Set-Cookie") if c.startswith("pending_sign_in=")]
        self.assertEqual(len(pending), 1)
        self.assertIn("Max-Age=300", pending[0])
        self.assertIn("HttpOnly", pending[0])
        self.assertIn("SameSite=Lax", pending[0])
        # The step cannot be skipped.
        self.assertFalse(is_signed_in(visitor, name))
        form = visitor.get("/login/two-factor")
        self.assertEqual(form.status_code, 200)
        self.assertIn('<input type="submit" name="submit" value="Verify">', form.text)
        self.assertIn('href="/login/two-factor?recovery=1"', form.text)
        done = send_code(visitor, totp.code(secret, totp.steady_step()))
        self.assertEqual(done.status_code, 302)
        self.assertEqual(done.headers["Location"], "/account?tab=1")  # next kept
        session = [c for c in done.raw.headers.getlist("Set-Cookie") if c.startswith("session=")]
        self.assertEqual(len(session), 1)
        self.assertIn("Max-Age=", session[0])  # Remember Me kept
        self.assertTrue(is_signed_in(visitor, name))
        # The pending state is used up.
        self.assertEqual(visitor.get("/login/two-factor").headers["Location"], "/index")

    def test_wrong_replayed_and_expired_codes_are_refused(self):
        name, secret, _, _ = user_with_two_factor(self)
        step = totp.steady_step(margin=8)
        first, _ = password_step(name)
        self.assertEqual(send_code(first, totp.code(secret, step)).status_code, 302)
        second, _ = password_step(name)
        for label, code in (("wrong", "123456" if totp.code(secret, step) != "123456" else "654321"),
                            ("replayed", totp.code(secret, step)),
                            ("expired", totp.code(secret, step - 3))):
            with self.subTest(code=label):
                answer = send_code(second, code)
                self.assertEqual(answer.status_code, 200)
                self.assertEqual(code_error(answer), INVALID_CODE)
                self.assertFalse(is_signed_in(second, name))
        log = open(os.path.join(stack.var_dir, "log", "login_two_factor.log")).read()
        self.assertRegex(log, r'login code reused user="%s"' % name)
        self.assertRegex(log, r'login code failed user="%s"' % name)

    def test_the_enabling_code_cannot_sign_in(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("tf")
        secret = start_setup(visitor)
        step = totp.steady_step(margin=8)
        post_action(visitor, "enable", code=totp.code(secret, step))
        other, _ = password_step(name)
        self.assertEqual(code_error(send_code(other, totp.code(secret, step))), INVALID_CODE)

    def test_recovery_codes_work_once_each(self):
        name, _, codes, _ = user_with_two_factor(self)
        for code in (codes[0], codes[1].upper(), codes[2].replace("-", "")):
            with self.subTest(code=code):
                visitor, _ = password_step(name)
                self.assertEqual(send_code(visitor, code).status_code, 302)
                self.assertTrue(is_signed_in(visitor, name))
        visitor, _ = password_step(name)
        self.assertEqual(code_error(send_code(visitor, codes[0])), INVALID_CODE)
        self.assertFalse(is_signed_in(visitor, name))
        self.assertEqual(user_sql(name, "SELECT COUNT(*) FROM recovery_codes WHERE user_id = {user}"), [["7"]])

    def test_another_browser_cannot_use_this_browsers_pending_sign_in(self):
        name, secret, _, _ = user_with_two_factor(self)
        mine, _ = password_step(name)
        token = CSRF_PATTERN.search(mine.get("/login/two-factor").text).group(1)
        stranger = Visitor(stack.url)
        # No pending sign-in of its own: back to the password, whatever it sends.
        self.assertEqual(stranger.get("/login/two-factor").headers["Location"], "/login")
        answer = stranger.post("/login/two-factor", {"csrf_token": token, "code": totp.code(secret, totp.steady_step())})
        self.assertIn(answer.status_code, (302, 400))
        self.assertFalse(is_signed_in(stranger, name))
        # A forged or altered pending cookie is nothing either.
        forged = Visitor(stack.url)
        forged.http.cookies.set("pending_sign_in", mine.http.cookies["pending_sign_in"][:-2] + "AA")
        self.assertEqual(forged.get("/login/two-factor").headers["Location"], "/login")

    def test_a_pending_sign_in_lasts_five_minutes(self):
        name, secret, _, _ = user_with_two_factor(self)
        visitor, _ = password_step(name)
        user_sql(name, "UPDATE pending_sign_ins SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
                       "WHERE user_id = {user}")
        answer = visitor.get("/login/two-factor")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/login")
        self.assertIn("Please sign in again: that sign-in has expired.",
                      visitor.flashes(visitor.get("/login").text))
        self.assertFalse(is_signed_in(visitor, name))

    def test_wrong_codes_are_throttled_per_account(self):
        name, secret, _, _ = user_with_two_factor(self)
        visitor, _ = password_step(name)
        wrong = "000000" if totp.code(secret) != "000000" else "111111"
        for _ in range(THROTTLE_FAILURES):
            self.assertEqual(code_error(send_code(visitor, wrong)), INVALID_CODE)
        locked = send_code(visitor, totp.code(secret, totp.steady_step()))
        self.assertEqual(code_error(locked), INVALID_CODE)
        self.assertFalse(is_signed_in(visitor, name))
        # A right password does not clear the count, so guesses cannot go on between passwords.
        self.assertEqual(password_step(name)[1].headers["Location"], "/login")

    def test_bad_input_gets_a_clear_answer(self):
        name, _, _, _ = user_with_two_factor(self)
        visitor, _ = password_step(name)
        for code in ("", "12345", "1234567", "abcdef", "x" * 65, "\x00\x01", "' OR 1=1 --", "\u00e9" * 6):
            with self.subTest(code=code[:10]):
                answer = send_code(visitor, code)
                self.assertEqual(answer.status_code, 200)
                self.assertIsNotNone(code_error(answer))
        no_token = visitor.post("/login/two-factor", {"code": "123456"})
        self.assertEqual(no_token.status_code, 400)

    def test_users_without_two_factor_sign_in_as_before(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("plain")
        self.assertTrue(is_signed_in(visitor, name))


class TurnOffAndRenewTest(unittest.TestCase):
    def test_turning_it_off_needs_a_code_and_then_the_password_is_enough(self):
        name, secret, codes, visitor = user_with_two_factor(self)
        refused = post_action(visitor, "disable", code="aaaaa-bbbbb")
        self.assertEqual(code_error(refused), INVALID_CODE)
        self.assertIn("Two-factor sign-in is <strong>on</strong>", refused.text)
        off = post_action(visitor, "disable", code=codes[0])
        self.assertEqual(off.status_code, 302)
        self.assertIn("Two-factor sign-in is now off.", visitor.flashes(setup_page(visitor).text))
        self.assertEqual(password_step(name)[1].headers["Location"], "/index")
        self.assertEqual(user_sql(name, "SELECT COUNT(*) FROM recovery_codes WHERE user_id = {user}"), [["0"]])

    def test_turning_it_off_with_a_code_from_the_app(self):
        name, secret, _, visitor = user_with_two_factor(self)
        off = post_action(visitor, "disable", code=totp.code(secret, totp.steady_step()))
        self.assertEqual(off.status_code, 302)
        self.assertEqual(password_step(name)[1].headers["Location"], "/index")

    def test_new_recovery_codes_replace_the_old_ones(self):
        name, _, old_codes, visitor = user_with_two_factor(self)
        answer = post_action(visitor, "new_codes")
        new_codes = recovery_codes_in(answer.text)
        self.assertEqual(len(new_codes), 10)
        self.assertFalse(set(new_codes) & set(old_codes))
        browser, _ = password_step(name)
        self.assertEqual(code_error(send_code(browser, old_codes[0])), INVALID_CODE)
        self.assertEqual(send_code(browser, new_codes[0]).status_code, 302)

    def test_an_unknown_action_changes_nothing(self):
        name, _, _, visitor = user_with_two_factor(self)
        for action in ("", "enable_all", "x" * 100):
            with self.subTest(action=action):
                answer = post_action(visitor, action)
                self.assertIn(answer.status_code, (200, 400))
        self.assertEqual(password_step(name)[1].headers["Location"], "/login/two-factor")


if __name__ == "__main__":
    unittest.main()

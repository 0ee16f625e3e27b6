#!/usr/bin/python3
"""Password reset by email (issue 28) on a real stack: /reset_password_request and
/reset_password/<token>. The mails are read from the outbox table the pages queue them in (the
mailer, which delivers them, is tested on its own), so every test sees exactly what would be sent."""
import email
import email.policy
import os
import re
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from smtp_server import free_port  # noqa: E402
from stack import BUILD_DIR, Stack, sql_text  # noqa: E402
import totp  # noqa: E402

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
OLD_PASSWORD = "correct horse"
NEW_PASSWORD = "a brand new passphrase"
CHECK_YOUR_EMAIL = "Check your email for the instructions to reset your password"
INVALID_LINK = "This password reset link is invalid or has expired."
BUDGET = 3  # mail_per_address_per_hour's default
THROTTLE_FAILURES = 5  # throttle_failures' default

# The mailer (run by run-local.sh) sends to a port where nothing listens and tries again only
# after an hour, so every mail stays in the outbox, whole, for the tests to read;
# test_password_reset_mail.py takes the journey through a real SMTP server.
stack = Stack("cgi-bin-password-reset", config={"mail_transport": "smtp", "smtp_port": free_port(),
                                               "mail_retry_seconds": 3600})


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def site_url():
    with open(os.path.join(stack.var_dir, "microblog.conf")) as f:
        return re.search(r"^site_url = (\S+)$", f.read(), re.M).group(1)


def browser():
    visitor = Visitor(stack.url)
    visitor.http.headers["User-Agent"] = FIREFOX_ON_LINUX
    return visitor


def new_user(prefix="reset"):
    """A fresh account; returns (name, address)."""
    name = unique_name(prefix)
    assert browser().register(name).status_code == 302
    return name, name + "@example.com"


def request_reset(address, visitor=None, headers=None):
    visitor = visitor or browser()
    token = visitor.csrf_token("/reset_password_request")
    return visitor.post("/reset_password_request", {"csrf_token": token, "email": address}, headers=headers)


def mails(address, kind="password_reset"):
    """The messages queued for `address`, oldest first, as email.message objects."""
    rows = stack.sql("SELECT HEX(message) FROM outbox WHERE recipient_key = LOWER(%s) AND kind = '%s' "
                     "ORDER BY id" % (sql_text(address), kind))
    return [email.message_from_bytes(bytes.fromhex(row[0]), policy=email.policy.default) for row in rows]


def body(message):
    return message.get_content()


def link_in(message):
    match = re.search(r"(\S+/reset_password/\S+)", body(message))
    assert match, body(message)
    return match.group(1)


def path_of(link):
    return urllib.parse.urlsplit(link).path


def reset_link_for(address):
    """Asks for a reset of `address`; the path of the link of the mail that came of it."""
    answer = request_reset(address)
    assert answer.status_code == 302, answer.status_code
    return path_of(link_in(mails(address)[-1]))


def reset_password(path, password=NEW_PASSWORD, password2=None, visitor=None):
    visitor = visitor or browser()
    form = visitor.get(path)
    match = CSRF_PATTERN.search(form.text)
    # An invalid link shows no form: post with a token of this browser's all the same.
    token = match.group(1) if match else visitor.csrf_token("/reset_password_request")
    return visitor.post(path, {"csrf_token": token, "password": password,
                               "password2": password if password2 is None else password2})


def can_sign_in(name, password):
    return browser().login(name, password=password).headers.get("Location") == "/index"


def is_signed_in(visitor, name):
    page = visitor.get("/index")
    assert page.status_code < 500, page.status_code
    return page.status_code == 200 and ("Hi, %s!" % name) in page.text


def tokens_of(name):
    return int(stack.sql("SELECT COUNT(*) FROM password_reset_tokens WHERE user_id = "
                         "(SELECT id FROM users WHERE username = %s)" % sql_text(name))[0][0])


def without_tokens(text):
    return CSRF_PATTERN.sub("", text)


class RequestPageTest(unittest.TestCase):
    def test_the_login_page_links_to_it(self):
        page = browser().get("/login")
        self.assertIn('<p>Forgot Your Password? <a href="/reset_password_request">Click to Reset It</a>.</p>',
                      page.text)

    def test_the_form(self):
        page = browser().get("/reset_password_request")
        self.assertEqual(page.status_code, 200)
        self.assertIn("<title>Reset Password", page.text)
        self.assertIn('name="email"', page.text)
        self.assertIn('value="Request Password Reset"', page.text)

    def test_a_known_and_an_unknown_address_get_the_same_answer(self):
        name, address = new_user()
        unknown = unique_name("nobody") + "@example.com"
        answers = []
        for typed in (address.upper(), unknown):
            visitor = browser()
            answer = request_reset(typed, visitor)
            login = visitor.get("/login")
            answers.append((answer.status_code, answer.headers.get("Location"), answer.text,
                            sorted(re.findall(r"(?m)^([^=]+)=", "\n".join(answer.raw.headers.getlist("Set-Cookie")))),
                            visitor.flashes(login.text), without_tokens(login.text)))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[0][:2], (302, "/login"))
        self.assertEqual(answers[0][4], [CHECK_YOUR_EMAIL])
        self.assertEqual(len(mails(address)), 1)
        self.assertEqual(mails(unknown), [])

    def test_an_invalid_address_shows_the_form_again_and_queues_nothing(self):
        page = request_reset("not-an-address")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Invalid email address.", page.text)
        self.assertEqual(mails("not-an-address"), [])

    def test_the_mail(self):
        name, address = new_user()
        reset_link_for(address)
        (message,) = mails(address)
        self.assertEqual(message["Subject"], "[Microblog] Reset Your Password")
        self.assertIn(address, message["To"])
        self.assertEqual(message.get_content_type(), "text/plain")
        text = body(message)
        self.assertIn("Dear %s," % name, text)
        self.assertIn("30 minutes", text)
        self.assertIn("If you have not requested a password reset", text)
        self.assertNotIn("&amp;", text)
        self.assertRegex(link_in(message), r"^%s/reset_password/[A-Za-z0-9_-]{43}$" % re.escape(site_url()))

    def test_the_link_comes_from_site_url_whatever_the_request_says(self):
        name, address = new_user()
        visitor = browser()
        token = visitor.csrf_token("/reset_password_request")
        # requests matches cookies to a Host header it is given, not to the URL: name them here.
        cookies = "; ".join("%s=%s" % (cookie.name, cookie.value) for cookie in visitor.http.cookies)
        answer = visitor.post("/reset_password_request", {"csrf_token": token, "email": address},
                              headers={"Host": "attacker.example", "X-Forwarded-Host": "attacker.example",
                                       "X-Forwarded-Proto": "https", "Forwarded": "host=attacker.example",
                                       "Cookie": cookies})
        self.assertEqual(answer.headers.get("Location"), "/login")
        link = link_in(mails(address)[-1])
        self.assertTrue(link.startswith(site_url() + "/reset_password/"), link)
        self.assertNotIn("attacker", body(mails(address)[-1]))

    def test_over_budget_the_answer_is_the_same_and_nothing_is_queued(self):
        name, address = new_user()
        for _ in range(BUDGET):
            self.assertEqual(request_reset(address).headers.get("Location"), "/login")
        visitor = browser()
        answer = request_reset(address, visitor)
        self.assertEqual((answer.status_code, answer.headers.get("Location")), (302, "/login"))
        self.assertEqual(visitor.flashes(visitor.get("/login").text), [CHECK_YOUR_EMAIL])
        self.assertEqual(len(mails(address)), BUDGET)
        with open(os.path.join(stack.var_dir, "log", "reset_password_request.log")) as f:
            self.assertIn('password reset over budget user="%s"' % name, f.read())
        # The newest link still works: the refused request voided nothing.
        self.assertEqual(browser().get(path_of(link_in(mails(address)[-1]))).status_code, 200)

    def test_a_signed_in_user_is_sent_home(self):
        visitor = browser()
        visitor.signed_up_and_in("resetin")
        self.assertEqual(visitor.get("/reset_password_request").headers.get("Location"), "/index")


class ResetPageTest(unittest.TestCase):
    def test_a_get_changes_nothing_and_the_real_post_then_works(self):
        name, address = new_user()
        path = reset_link_for(address)
        scanner = Visitor(stack.url)
        for _ in range(2):
            page = scanner.get(path)
            self.assertEqual(page.status_code, 200)
            self.assertIn("<h1>Reset Your Password</h1>", page.text)
            self.assertIn('<label for="password">Password</label>', page.text)
            self.assertIn('<label for="password2">Repeat Password</label>', page.text)
        self.assertEqual(tokens_of(name), 1)
        self.assertTrue(can_sign_in(name, OLD_PASSWORD))
        visitor = browser()
        answer = reset_password(path, visitor=visitor)
        self.assertEqual((answer.status_code, answer.headers.get("Location")), (302, "/login"))
        self.assertEqual(visitor.flashes(visitor.get("/login").text), ["Your password has been reset."])
        self.assertFalse(is_signed_in(visitor, name), "a reset never signs in")
        self.assertTrue(can_sign_in(name, NEW_PASSWORD))
        self.assertFalse(can_sign_in(name, OLD_PASSWORD))
        self.assertEqual(tokens_of(name), 0)

    def test_a_used_link_is_refused(self):
        name, address = new_user()
        path = reset_link_for(address)
        self.assertEqual(reset_password(path).status_code, 302)
        for answer in (browser().get(path), reset_password(path, password="yet another passphrase")):
            self.assertEqual(answer.status_code, 404)
            self.assertIn(INVALID_LINK, answer.text)
            self.assertIn('<a href="/reset_password_request">', answer.text)
        self.assertTrue(can_sign_in(name, NEW_PASSWORD))

    def test_an_expired_link_is_refused(self):
        name, address = new_user()
        path = reset_link_for(address)
        stack.sql("UPDATE password_reset_tokens SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
                  "WHERE user_id = (SELECT id FROM users WHERE username = %s)" % sql_text(name))
        self.assertEqual(browser().get(path).status_code, 404)
        self.assertEqual(reset_password(path).status_code, 404)
        self.assertTrue(can_sign_in(name, OLD_PASSWORD))

    def test_a_second_request_voids_the_first_link(self):
        name, address = new_user()
        first = reset_link_for(address)
        second = reset_link_for(address)
        self.assertNotEqual(first, second)
        self.assertEqual(browser().get(first).status_code, 404)
        self.assertEqual(reset_password(first).status_code, 404)
        self.assertEqual(reset_password(second).status_code, 302)
        self.assertTrue(can_sign_in(name, NEW_PASSWORD))

    def test_a_password_change_on_the_account_page_voids_every_link(self):
        name, address = new_user()
        path = reset_link_for(address)
        visitor = browser()
        self.assertEqual(visitor.login(name).headers.get("Location"), "/index")
        answer = visitor.post("/account/password", {"csrf_token": visitor.csrf_token("/account/password"),
                                                    "current_password": OLD_PASSWORD,
                                                    "password": "changed on the account page",
                                                    "password2": "changed on the account page"})
        self.assertEqual(answer.headers.get("Location"), "/account")
        self.assertEqual(tokens_of(name), 0)
        self.assertEqual(reset_password(path).status_code, 404)
        self.assertTrue(can_sign_in(name, "changed on the account page"))

    def test_admin_set_password_voids_every_link(self):
        name, address = new_user()
        path = reset_link_for(address)
        result = subprocess.run([os.path.join(BUILD_DIR, "bin", "microblog-admin"), "--config",
                                 os.path.join(stack.var_dir, "microblog.conf"), "set-password", name],
                                input="set by the admin\n", capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(tokens_of(name), 0)
        self.assertEqual(reset_password(path).status_code, 404)
        self.assertTrue(can_sign_in(name, "set by the admin"))

    def test_one_users_link_touches_no_other_account(self):
        owner, owner_address = new_user()
        other, other_address = new_user()
        owner_path = reset_link_for(owner_address)
        reset_link_for(other_address)
        page = browser().get(owner_path)
        self.assertIn('value="%s"' % owner, page.text)
        self.assertNotIn(other, page.text)
        self.assertEqual(reset_password(owner_path).status_code, 302)
        self.assertTrue(can_sign_in(owner, NEW_PASSWORD))
        self.assertTrue(can_sign_in(other, OLD_PASSWORD))
        self.assertEqual(tokens_of(other), 1)

    def test_truncated_altered_and_malformed_links_get_the_invalid_page(self):
        name, address = new_user()
        path = reset_link_for(address)
        token = path.rsplit("/", 1)[1]
        flipped = "A" if token[10] != "A" else "B"
        # The last of 43 characters carries 2 spare bits: another letter there decodes to the same
        # bytes in a lax decoder.
        last = "AEIMQUYcgkosw048"
        sloppy_last = token[:-1] + ("B" if token[-1] in last else "A")
        for bad in (path[:-1], path[:-10], path + "A", path + "=", path + "/", path + "%20",
                    "/reset_password/" + token[:10] + flipped + token[11:], "/reset_password/" + sloppy_last,
                    "/reset_password/", "/reset_password/" + token.replace("-", "+").replace("_", "/"),
                    "/reset_password/%00" + token[1:], "/reset_password/" + "A" * 4000,
                    "/reset_password/%C3%A9" + token[2:], "/reset_password/../reset_password/x"):
            with self.subTest(path=bad):
                for answer in (browser().get(bad), reset_password(bad)):
                    if "%00" in bad:  # nginx refuses a NUL in a path itself, with its own page
                        self.assertEqual(answer.status_code, 400)
                        continue
                    self.assertEqual(answer.status_code, 404, answer.text[:500])
                    self.assertIn(INVALID_LINK, answer.text)
                    self.assertIn('<link rel="stylesheet"', answer.text)
        self.assertTrue(can_sign_in(name, OLD_PASSWORD))
        self.assertEqual(reset_password(path).status_code, 302, "the real link still works")

    def test_a_bad_password_shows_the_form_again_and_keeps_the_link(self):
        name, address = new_user()
        path = reset_link_for(address)
        page = reset_password(path, password="a long enough phrase", password2="something else")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Field must be equal to password.", page.text)
        page = reset_password(path, password="qwertyui")
        self.assertEqual(page.status_code, 200)
        self.assertIn('id="password-error"', page.text)
        self.assertEqual(tokens_of(name), 1)
        self.assertTrue(can_sign_in(name, OLD_PASSWORD))
        self.assertEqual(reset_password(path).status_code, 302)

    def test_every_session_of_the_user_ends(self):
        name, address = new_user()
        signed_in = [browser() for _ in range(2)]
        for visitor in signed_in:
            self.assertEqual(visitor.login(name).headers.get("Location"), "/index")
        self.assertEqual(reset_password(reset_link_for(address)).status_code, 302)
        for visitor in signed_in:
            answer = visitor.get("/index")
            self.assertEqual(answer.status_code, 302)
            self.assertTrue(answer.headers["Location"].startswith("/login"), answer.headers["Location"])

    def test_the_sign_in_lock_is_lifted(self):
        name, address = new_user()
        for _ in range(THROTTLE_FAILURES):
            browser().login(name, password="a wrong guess")
        self.assertFalse(can_sign_in(name, OLD_PASSWORD), "locked")
        self.assertEqual(reset_password(reset_link_for(address)).status_code, 302)
        self.assertTrue(can_sign_in(name, NEW_PASSWORD))

    def test_the_password_changed_notice_is_queued_without_secrets(self):
        name, address = new_user()
        path = reset_link_for(address)
        self.assertEqual(mails(address, "password_changed"), [])
        self.assertEqual(reset_password(path).status_code, 302)
        (notice,) = mails(address, "password_changed")
        self.assertEqual(notice["Subject"], "[Microblog] Your password was changed")
        text = body(notice)
        self.assertIn("Dear %s," % name, text)
        self.assertIn("Firefox on Linux", text)
        self.assertIn("127.0.0.1", text)
        self.assertIn("If this was not you", text)
        self.assertIn(site_url() + "/reset_password_request", text)
        self.assertNotIn("/reset_password/", text)
        self.assertNotIn(NEW_PASSWORD, text)

    def test_the_page_sends_no_referrer_and_loads_only_its_own_files(self):
        name, address = new_user()
        path = reset_link_for(address)
        for answer in (browser().get(path), browser().get(path + "x"), reset_password(path, password2="other")):
            self.assertEqual(answer.raw.headers.getlist("Referrer-Policy"), ["no-referrer"])
            self.assertEqual(len(answer.raw.headers.getlist("Content-Security-Policy")), 1)
            for url in re.findall(r'(?:src|href|action)="([^"]*)"', answer.text):
                self.assertRegex(url, r"^/(?!/)")
        self.assertEqual(browser().get("/login").raw.headers.getlist("Referrer-Policy"), ["same-origin"])

    def test_a_signed_in_user_is_sent_home_and_the_link_stays(self):
        name, address = new_user()
        path = reset_link_for(address)
        visitor = browser()
        self.assertEqual(visitor.login(name).headers.get("Location"), "/index")
        self.assertEqual(visitor.get(path).headers.get("Location"), "/index")
        self.assertEqual(tokens_of(name), 1)


class TwoFactorAfterResetTest(unittest.TestCase):
    def setup_page_token(self, visitor):
        page = visitor.get("/account/two-factor")
        self.assertEqual(page.status_code, 200)
        return CSRF_PATTERN.search(page.text).group(1)

    def test_two_factor_is_still_asked_and_pending_sign_ins_end(self):
        visitor = browser()
        name = visitor.signed_up_and_in("reset2f")
        answer = visitor.post("/account/two-factor", {"csrf_token": self.setup_page_token(visitor), "action": "setup"})
        self.assertEqual(answer.status_code, 302)
        secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', visitor.get("/account/two-factor").text)
        step = totp.steady_step()
        answer = visitor.post("/account/two-factor", {"csrf_token": self.setup_page_token(visitor),
                                                      "action": "enable", "code": totp.code(secret.group(1), step - 1)})
        self.assertEqual(answer.status_code, 200)
        pending = browser()
        self.assertEqual(pending.login(name).headers.get("Location"), "/login/two-factor")
        self.assertEqual(pending.get("/login/two-factor").status_code, 200)
        self.assertEqual(reset_password(reset_link_for(name + "@example.com")).status_code, 302)
        self.assertNotEqual(pending.get("/login/two-factor").status_code, 200, "the pending sign-in ended")
        after = browser()
        self.assertEqual(after.login(name, password=NEW_PASSWORD).headers.get("Location"), "/login/two-factor")
        self.assertFalse(is_signed_in(after, name))


class StartTest(unittest.TestCase):
    def test_the_request_page_refuses_to_start_without_site_url(self):
        with open(os.path.join(stack.var_dir, "microblog.conf")) as f:
            conf = re.sub(r"(?m)^site_url = .*$", "site_url =", f.read())
        path = os.path.join(stack.var_dir, "no-site-url.conf")
        with open(path, "w") as f:
            f.write(conf)
        os.chmod(path, 0o600)
        socket_path = os.path.join(stack.var_dir, "no-site-url.sock")
        result = subprocess.run([os.path.join(BUILD_DIR, "bin", "reset_password_request"), "--config", path,
                                 "--socket", socket_path], capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 1)
        self.assertIn("site_url is empty", result.stderr)
        self.assertFalse(os.path.exists(socket_path))


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/python3
"""`next` of every length up to nginx's own limit (an 8 KiB request line, then 414) on each route
that carries it on: /login, /login/two-factor, /login/passkey, /confirm, and the redirects to
/confirm and to /login from a protected page. No length may get a 5xx. A `next` of at most
2048 bytes (core/http/next_url.h) comes back whole; a longer one is dropped, and the visitor lands on
the route's default page."""
import os
import re
import sys
import unittest
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from soft_authenticator import SoftAuthenticator, b64url, unb64url  # noqa: E402
from stack import Stack, sql_text  # noqa: E402
import totp  # noqa: E402

MAX_NEXT = 2048
PASSWORD = "correct horse"
PREFIX = "/index?q="
# Both are sent as three bytes ("%25", "%20") and grow to three again in a redirect, the worst
# case; '%' stays as it is in a path and query, a space does not.
FILLERS = ("%", " ")

# Many wrong passwords and codes for one account in a row: none may lock it.
stack = Stack("cgi-bin-long-next", config={"throttle_failures": 1000})


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def lengths():
    """Lengths stepping up past what nginx lets in, with both sides of the bound."""
    return sorted(set(range(64, 9000, 192)) | {MAX_NEXT, MAX_NEXT + 1})


def long_next(length, filler):
    return PREFIX + filler * (length - len(PREFIX))


def as_component(text):
    """As core/http/encoding.cpp's url_encode_component writes it: all but unreserved escaped."""
    return quote(text, safe="")


def as_path_and_query(text):
    """As url_encode_path_and_query writes it."""
    return quote(text, safe="!$&'()*+,;=:@/?%")


def browser():
    # localhost, not 127.0.0.1: the stack's WebAuthn origin is http://localhost:PORT.
    return Visitor(stack.url.replace("127.0.0.1", "localhost"))


def csrf_in(page):
    match = CSRF_PATTERN.search(page.text)
    assert match, "no CSRF token (status %d)" % page.status_code
    return match.group(1)


def registered_user(prefix):
    name = unique_name(prefix)
    assert browser().register(name, password=PASSWORD).status_code == 302
    return name


def signed_in(name):
    visitor = browser()
    assert visitor.login(name, password=PASSWORD).status_code == 302
    return visitor


class LongNextTestCase(unittest.TestCase):
    def assertNot5xx(self, answer):
        self.assertLess(answer.status_code, 500, "%s %s...: %d" % (
            answer.request.method, answer.request.path_url[:60], answer.status_code))

    def step_up_to_nginx_limit(self, try_length):
        """try_length(length) for each of lengths() until it returns 414 (its first request was too
        long for nginx). Every length the bound keeps must be let in, and 414 must come."""
        for length in lengths():
            status = None
            with self.subTest(length=length):
                status = try_length(length)
            if status == 414:
                self.assertGreater(length, MAX_NEXT, "nginx refused a next the bound keeps")
                return
        self.fail("nginx let every length in, up to %d" % length)

    def too_long(self, answer, length):
        """Whether a later request of a step met nginx's limit: a few bytes longer than the
        step's first ("POST", a longer path), it may be the one that does."""
        self.assertNot5xx(answer)
        if answer.status_code != 414:
            return False
        self.assertGreater(length, MAX_NEXT, "nginx refused a next the bound keeps")
        return True

    def form_with_next(self, visitor, path, next_path):
        """GET path?next=...: 414 or the page with its form (200)."""
        page = visitor.get(path + "?next=" + as_component(next_path))
        self.assertNot5xx(page)
        if page.status_code != 414:
            self.assertEqual(page.status_code, 200)
        return page


class LoginTest(LongNextTestCase):
    def test_a_failed_sign_in_goes_back_to_the_form_with_next_or_without(self):
        for filler in FILLERS:
            with self.subTest(filler=filler):
                visitor = browser()

                def try_length(length):
                    next_path = long_next(length, filler)
                    form = self.form_with_next(visitor, "/login", next_path)
                    if form.status_code == 414:
                        return 414
                    answer = visitor.post(form.request.path_url, {
                        "csrf_token": csrf_in(form), "username": "nobody", "password": "wrong"})
                    if self.too_long(answer, length):
                        return 414
                    self.assertEqual(answer.status_code, 302)
                    expected = "/login?next=" + as_component(next_path) if length <= MAX_NEXT else "/login"
                    self.assertEqual(answer.headers["Location"], expected)
                    # The form again, its next still short enough for nginx.
                    self.assertEqual(visitor.get(answer.headers["Location"]).status_code, 200)
                    return form.status_code

                self.step_up_to_nginx_limit(try_length)

    def test_a_sign_in_goes_to_next_or_home(self):
        name = registered_user("longlogin")
        for filler in FILLERS:
            with self.subTest(filler=filler):
                def try_length(length):
                    next_path = long_next(length, filler)
                    visitor = browser()
                    form = self.form_with_next(visitor, "/login", next_path)
                    if form.status_code == 414:
                        return 414
                    answer = visitor.post(form.request.path_url, {
                        "csrf_token": csrf_in(form), "username": name, "password": PASSWORD})
                    if self.too_long(answer, length):
                        return 414
                    self.assertEqual(answer.status_code, 302)
                    expected = as_path_and_query(next_path) if length <= MAX_NEXT else "/index"
                    self.assertEqual(answer.headers["Location"], expected)
                    return form.status_code

                self.step_up_to_nginx_limit(try_length)


class TwoFactorTest(LongNextTestCase):
    def user_with_two_factor(self):
        """A new user with two-factor sign-in on: (name, secret, recovery codes)."""
        name = registered_user("longtf")
        visitor = signed_in(name)
        setup = visitor.get("/account/two-factor")
        answer = visitor.post("/account/two-factor", {"csrf_token": csrf_in(setup), "action": "setup"})
        self.assertEqual(answer.status_code, 302)
        page = visitor.get("/account/two-factor")
        secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text).group(1)
        enabled = visitor.post("/account/two-factor", {
            "csrf_token": csrf_in(page), "action": "enable",
            "code": totp.code(secret, totp.steady_step() - 1)})
        self.assertEqual(enabled.status_code, 200)
        block = re.search(r'<ul id="recovery-codes">(.*?)</ul>', enabled.text, re.S).group(1)
        return name, secret, re.findall(r"<code>([^<]+)</code>", block)

    def test_wrong_codes_keep_the_form_and_a_right_one_goes_to_next_or_home(self):
        name, secret, recovery_codes = self.user_with_two_factor()
        for filler in FILLERS:
            with self.subTest(filler=filler):
                def try_length(length):
                    next_path = long_next(length, filler)
                    visitor = browser()
                    form = self.form_with_next(visitor, "/login", next_path)
                    if form.status_code == 414:
                        return 414
                    answer = visitor.post(form.request.path_url, {
                        "csrf_token": csrf_in(form), "username": name, "password": PASSWORD})
                    if self.too_long(answer, length):
                        return 414
                    self.assertEqual(answer.headers.get("Location"), "/login/two-factor")
                    # The code's form ignores a next of its own, whatever its length.
                    code_form = self.form_with_next(visitor, "/login/two-factor", next_path)
                    if self.too_long(code_form, length):
                        return 414
                    wrong = "000000" if totp.code(secret) != "000000" else "111111"
                    refused = visitor.post(code_form.request.path_url, {
                        "csrf_token": csrf_in(code_form), "code": wrong})
                    if self.too_long(refused, length):
                        return 414
                    self.assertEqual(refused.status_code, 200)
                    self.assertIn("Invalid code.", refused.text)
                    # Ten recovery codes: a right code on both sides of the bound only.
                    if length in (MAX_NEXT, MAX_NEXT + 1):
                        accepted = visitor.post("/login/two-factor", {
                            "csrf_token": csrf_in(refused), "code": recovery_codes.pop()})
                        self.assertNot5xx(accepted)
                        self.assertEqual(accepted.status_code, 302)
                        expected = as_path_and_query(next_path) if length <= MAX_NEXT else "/index"
                        self.assertEqual(accepted.headers["Location"], expected)
                    return form.status_code

                self.step_up_to_nginx_limit(try_length)


class PasskeyTest(LongNextTestCase):
    def user_with_passkey(self):
        visitor = signed_in(registered_user("longpk"))
        auth = SoftAuthenticator("localhost", "http://localhost:%d" % stack.port)
        page = visitor.get("/account/passkeys")
        token = csrf_in(page)
        options = visitor.post("/account/passkeys", {"csrf_token": token, "action": "options"}).json()
        added = visitor.post("/account/passkeys", dict(auth.registration(options), csrf_token=token))
        self.assertEqual(added.status_code, 200, added.text[:300])
        return auth

    def verify(self, visitor, auth, token, query, tampered):
        options = visitor.post("/login/passkey" + query, {"csrf_token": token, "action": "options"})
        self.assertNot5xx(options)
        if options.status_code == 414:
            return options
        self.assertEqual(options.status_code, 200)
        fields = auth.assertion(options.json())
        if tampered:
            signature = bytearray(unb64url(fields["signature"]))
            signature[-1] ^= 1
            fields["signature"] = b64url(bytes(signature))
        answer = visitor.post("/login/passkey" + query, dict(fields, csrf_token=token))
        self.assertNot5xx(answer)
        return answer

    def test_a_refused_passkey_keeps_the_page_and_an_accepted_one_goes_to_next_or_home(self):
        auth = self.user_with_passkey()
        for filler in FILLERS:
            with self.subTest(filler=filler):
                def try_length(length):
                    next_path = long_next(length, filler)
                    visitor = browser()
                    form = self.form_with_next(visitor, "/login", next_path)
                    if form.status_code == 414:
                        return 414
                    # static/passkeys.js posts to /login/passkey with the page's own query.
                    query = "?next=" + as_component(next_path)
                    refused = self.verify(visitor, auth, csrf_in(form), query, tampered=True)
                    if self.too_long(refused, length):
                        return 414
                    self.assertEqual(refused.status_code, 400)
                    accepted = self.verify(visitor, auth, csrf_in(form), query, tampered=False)
                    self.assertEqual(accepted.status_code, 200, accepted.text[:300])
                    expected = as_path_and_query(next_path) if length <= MAX_NEXT else "/index"
                    self.assertEqual(accepted.json(), {"redirect": expected})
                    return form.status_code

                self.step_up_to_nginx_limit(try_length)


class ConfirmTest(LongNextTestCase):
    def test_a_wrong_password_keeps_the_form_and_a_right_one_goes_to_next_or_the_account(self):
        visitor = signed_in(registered_user("longconfirm"))
        for filler in FILLERS:
            with self.subTest(filler=filler):
                def try_length(length):
                    next_path = long_next(length, filler)
                    form = self.form_with_next(visitor, "/confirm", next_path)
                    if form.status_code == 414:
                        return 414
                    refused = visitor.post(form.request.path_url, {
                        "csrf_token": csrf_in(form), "password": "wrong"})
                    if self.too_long(refused, length):
                        return 414
                    self.assertEqual(refused.status_code, 200)
                    accepted = visitor.post(form.request.path_url, {
                        "csrf_token": csrf_in(refused), "password": PASSWORD})
                    self.assertNot5xx(accepted)
                    self.assertEqual(accepted.status_code, 302)
                    expected = as_path_and_query(next_path) if length <= MAX_NEXT else "/account"
                    self.assertEqual(accepted.headers["Location"], expected)
                    return form.status_code

                self.step_up_to_nginx_limit(try_length)

    def test_a_sensitive_page_sends_to_confirm_with_its_address_or_without(self):
        name = registered_user("longstale")
        visitor = signed_in(name)
        for filler in FILLERS:
            with self.subTest(filler=filler):
                def try_length(length):
                    # The page's address itself is `next` here, as the browser sent it.
                    escaped = quote(filler)
                    page = "/account/sessions?q=" + escaped * ((length - 20) // len(escaped))
                    stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id "
                              "SET s.confirmed_at = UTC_TIMESTAMP() - INTERVAL 11 MINUTE "
                              "WHERE u.username = %s" % sql_text(name))
                    answer = visitor.get(page)
                    self.assertNot5xx(answer)
                    if answer.status_code == 414:
                        return 414
                    self.assertEqual(answer.status_code, 302)
                    expected = "/confirm?next=" + as_component(page) if len(page) <= MAX_NEXT else "/confirm"
                    self.assertEqual(answer.headers["Location"], expected)
                    self.assertEqual(visitor.get(expected).status_code, 200)
                    return answer.status_code

                self.step_up_to_nginx_limit(try_length)


class LoginRequiredTest(LongNextTestCase):
    def test_a_visitor_sent_to_sign_in_from_a_long_address_gets_no_5xx(self):
        # nginx writes this redirect itself (nginx/microblog.conf, @login), with all of the address.
        for filler in FILLERS:
            with self.subTest(filler=filler):
                def try_length(length):
                    escaped = quote(filler)
                    page = "/index?q=" + escaped * ((length - 9) // len(escaped))
                    visitor = browser()
                    answer = visitor.get(page)
                    self.assertNot5xx(answer)
                    if answer.status_code == 414:
                        return 414
                    self.assertEqual(answer.status_code, 302)
                    form = visitor.get(answer.headers["Location"])
                    self.assertNot5xx(form)
                    if len(page) <= MAX_NEXT:
                        self.assertEqual(form.status_code, 200)
                    return answer.status_code

                self.step_up_to_nginx_limit(try_length)


if __name__ == "__main__":
    unittest.main()

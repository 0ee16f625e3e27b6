#!/usr/bin/python3
"""Every page the site serves is valid HTML5 without warnings (HTML Tidy 5), error pages share the
site's look, and the stylesheet is cacheable."""
import email.utils
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from routes import is_prefix, pages, signed_in_view  # noqa: E402
from stack import Stack, sql_text  # noqa: E402
import totp  # noqa: E402

stack = Stack("e2e-html-valid")

# Larger than nginx's client_max_body_size (16k in nginx/microblog.conf).
OVERSIZED_BODY = {"username": "x" * (17 * 1024)}


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def new_visitor(testcase):
    """A Visitor whose connections are closed when the test ends."""
    v = Visitor(stack.url)
    testcase.addCleanup(v.http.close)
    return v


def tidy(html):
    """(exit status, messages) of `tidy -q -e`: 0 clean, 1 warnings, 2 errors."""
    result = subprocess.run(["tidy", "-q", "-e"], input=html, capture_output=True, timeout=60)
    return result.returncode, (result.stdout + result.stderr).decode(errors="replace")


class TidyTest(unittest.TestCase):
    def assertValid(self, response, status=200):
        self.assertEqual(response.status_code, status, response.text[:2000])
        self.assertIn("text/html", response.headers.get("Content-Type", ""))
        code, messages = tidy(response.content)
        self.assertEqual(code, 0, "tidy found problems in %s (exit status %d):\n%s\n--- page:\n%s"
                         % (response.url, code, messages, response.text))

    def test_the_validator_reports_problems(self):
        # Guards the tests below against a tidy that accepts anything.
        self.assertEqual(tidy(b"<!DOCTYPE html><html lang=en><head><title>t</title></head>"
                              b"<body><p id=a>x</p><p id=a>y</p></body></html>")[0], 1)
        self.assertEqual(tidy(b"<!DOCTYPE html><html><head><title>t</title></head>"
                              b"<body><p><bogus>x</bogus></p></body></html>")[0], 2)

    def test_login_page(self):
        self.assertValid(new_visitor(self).get("/login"))

    def test_login_page_after_a_failed_sign_in(self):
        visitor = new_visitor(self)
        self.assertEqual(visitor.login(unique_name("nobody"), next_path="/index").status_code, 302)
        page = visitor.get("/login?next=%2Findex")
        self.assertIn("Invalid username or password", page.text)
        self.assertValid(page)

    def test_register_page(self):
        self.assertValid(new_visitor(self).get("/register"))

    def test_register_page_with_errors(self):
        # "susan" is a demo account (deploy/seed-demo.sh): the name is taken.
        page = new_visitor(self).register("susan", email="not-an-address", password2="different")
        for message in ("Please use a different username.", "Invalid email address.",
                        "Field must be equal to password."):
            self.assertIn(message, page.text)
        self.assertValid(page)

    def test_home_page_signed_in(self):
        visitor = new_visitor(self)
        name = visitor.signed_up_and_in("valid")
        page = visitor.get("/index")
        self.assertIn("Hi, %s!" % name, page.text)
        self.assertIn('class="post"', page.text)
        self.assertValid(page)

    def test_logout_confirmation(self):
        visitor = new_visitor(self)
        visitor.signed_up_and_in("valid")
        page = visitor.get("/logout")
        self.assertIn("<h1>Sign Out</h1>", page.text)
        self.assertValid(page)

    def test_account_pages(self):
        visitor = new_visitor(self)
        name = visitor.signed_up_and_in("valid")
        other = new_visitor(self)
        other.login(name)
        for path, heading in (("/account", "Your Account"), ("/account/password", "Change Password"),
                              ("/account/sessions", "Where You Are Signed In"),
                              ("/confirm?next=%2Faccount%2Fsessions", "Confirm Your Password")):
            with self.subTest(path=path):
                page = visitor.get(path)
                self.assertIn("<h1>%s</h1>" % heading, page.text)
                self.assertValid(page)

    def test_two_factor_pages(self):
        visitor = new_visitor(self)
        name = visitor.signed_up_and_in("valid")
        off = visitor.get("/account/two-factor")
        self.assertIn("Set up two-factor sign-in", off.text)
        self.assertValid(off)
        token = CSRF_PATTERN.search(off.text).group(1)
        visitor.post("/account/two-factor", {"csrf_token": token, "action": "setup"})
        setup = visitor.get("/account/two-factor")
        self.assertIn('<code id="totp-secret">', setup.text)
        self.assertValid(setup)
        secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', setup.text).group(1)
        wrong = visitor.post("/account/two-factor", {"csrf_token": token, "action": "enable", "code": "x"})
        self.assertIn("Invalid code.", wrong.text)
        self.assertValid(wrong)
        codes = visitor.post("/account/two-factor", {"csrf_token": token, "action": "enable",
                                                     "code": totp.code(secret, totp.steady_step() - 1)})
        self.assertIn('<ul id="recovery-codes">', codes.text)
        self.assertValid(codes)
        on = visitor.get("/account/two-factor")
        self.assertIn("Turn off two-factor sign-in", on.text)
        self.assertValid(on)
        second = new_visitor(self)
        second.login(name)
        for path in ("/login/two-factor", "/login/two-factor?recovery=1"):
            with self.subTest(path=path):
                page = second.get(path)
                self.assertIn("<h1>Two-Factor Sign In</h1>", page.text)
                self.assertValid(page)

    def test_passkeys_page(self):
        visitor = new_visitor(self)
        visitor.signed_up_and_in("valid")
        page = visitor.get("/account/passkeys")
        self.assertIn("<h1>Passkeys</h1>", page.text)
        self.assertIn('<form id="passkey-add"', page.text)
        self.assertValid(page)

    def test_every_page_a_get_answers_as_its_audience_sees_it(self):
        # From the route table, so a new page is checked before it has a test of its own above;
        # a page that needs more state (/login/two-factor) is seen where it sends its audience.
        member = new_visitor(self)
        member.signed_up_and_in("valid")
        for path in pages(method="GET"):
            with self.subTest(path=path):
                viewer = member if signed_in_view(path) else new_visitor(self)
                # A prefix page without the rest of its path (a reset link without its token)
                # shows its 404 page.
                self.assertValid(viewer.get(path, allow_redirects=True), 404 if is_prefix(path) else 200)

    def test_password_reset_pages(self):
        page = new_visitor(self).get("/reset_password_request")
        self.assertIn("<h1>Reset Password</h1>", page.text)
        self.assertValid(page)
        name = unique_name("valid")
        self.assertEqual(new_visitor(self).register(name).status_code, 302)
        visitor = new_visitor(self)
        answer = visitor.post("/reset_password_request", {"csrf_token": visitor.csrf_token("/reset_password_request"),
                                                          "email": name + "@example.com"})
        self.assertEqual(answer.status_code, 302)
        message = stack.sql("SELECT HEX(message) FROM outbox WHERE recipient = %s" % sql_text(name + "@example.com"))
        path = re.search(r"/reset_password/[A-Za-z0-9_-]{43}", bytes.fromhex(message[0][0]).decode()).group(0)
        page = visitor.get(path)
        self.assertIn("<h1>Reset Your Password</h1>", page.text)
        self.assertValid(page)
        page = visitor.post(path, {"csrf_token": CSRF_PATTERN.search(page.text).group(1), "password": "a",
                                   "password2": "b"})
        self.assertIn('id="password-error"', page.text)
        self.assertValid(page)
        page = visitor.get(path + "x")
        self.assertIn("This password reset link is invalid or has expired.", page.text)
        self.assertValid(page, 404)

    def test_account_forms_with_errors(self):
        visitor = new_visitor(self)
        visitor.signed_up_and_in("valid")
        page = visitor.post("/account/password", {"csrf_token": visitor.csrf_token("/account/password"),
                                                  "current_password": "wrong", "password": "a",
                                                  "password2": "b"})
        self.assertIn("Incorrect password.", page.text)
        self.assertValid(page)
        page = visitor.post("/confirm", {"csrf_token": visitor.csrf_token("/confirm"), "password": "wrong"})
        self.assertIn("Incorrect password.", page.text)
        self.assertValid(page)

    def test_application_error_page(self):
        visitor = new_visitor(self)
        visitor.signed_up_and_in("valid")
        page = visitor.post("/logout", {"csrf_token": "stale"})
        self.assertIn("400", page.text)
        self.assertValid(page, 400)


class ErrorPageTest(unittest.TestCase):
    """nginx's own error pages (static/errors/), which the route programs never see."""

    def check(self, response, status, title):
        self.assertEqual(response.status_code, status)
        self.assertIn("<title>%s - Microblog</title>" % title, response.text)
        self.assertIn("<h1>%d: %s</h1>" % (status, title), response.text)
        # The site's look: its stylesheet and its navigation.
        self.assertIn('<link rel="stylesheet" href="/static/style.css">', response.text)
        self.assertIn('<span class="brand">Microblog:</span>', response.text)
        self.assertIn('<a href="/index">Home</a>', response.text)
        # The SSI includes were expanded, not sent as comments.
        self.assertNotIn("<!--#", response.text)
        code, messages = tidy(response.content)
        self.assertEqual(code, 0, "tidy found problems in the %d page (exit status %d):\n%s\n--- page:\n%s"
                         % (status, code, messages, response.text))

    def test_not_found(self):
        self.check(new_visitor(self).get("/no/such/page"), 404, "Not Found")

    def test_content_too_large(self):
        self.check(new_visitor(self).post("/login", OVERSIZED_BODY), 413, "Content Too Large")

    def test_method_not_allowed(self):
        self.check(new_visitor(self).post("/static/style.css", {"a": "b"}), 405, "Method Not Allowed")


class StaticFilesTest(unittest.TestCase):
    def test_the_stylesheet_is_served_with_caching_headers(self):
        response = new_visitor(self).get("/static/style.css")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers.get("Content-Type", "").startswith("text/css"),
                        response.headers.get("Content-Type"))
        self.assertIn(":focus-visible", response.text)
        cache_control = response.headers.get("Cache-Control", "")
        self.assertRegex(cache_control, r"max-age=[1-9][0-9]*", cache_control)
        self.assertIn("public", cache_control)
        expires = response.headers.get("Expires")
        self.assertIsNotNone(expires, "no Expires header")
        # In the future relative to the server's own Date (no clock of ours involved).
        served = email.utils.parsedate_to_datetime(response.headers["Date"])
        self.assertGreater(email.utils.parsedate_to_datetime(expires), served)

    def test_pages_themselves_are_not_cached_as_static(self):
        # The login page carries a per-visitor form token: it must not get the week-long
        # lifetime of the stylesheet.
        response = new_visitor(self).get("/login")
        self.assertNotRegex(response.headers.get("Cache-Control", ""), r"max-age=[1-9]")
        self.assertIsNone(response.headers.get("Expires"))


if __name__ == "__main__":
    unittest.main(verbosity=2)

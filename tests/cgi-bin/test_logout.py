#!/usr/bin/python3
"""cgi-bin/logout.cpp: signing out with a POST carrying the session's CSRF token; GET only confirms."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-logout")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def set_cookie(response, name):
    """(value, {attribute lower-cased: value}) of the Set-Cookie for `name`, or None."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        parts = [part.strip() for part in header.split(";")]
        cookie_name, _, value = parts[0].partition("=")
        if cookie_name == name:
            return value, {k.lower(): v for k, _, v in (part.partition("=") for part in parts[1:])}
    return None


def session_count(username):
    return int(stack.sql("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                         "WHERE u.username = '%s'" % username)[0][0])


def main_content(page):
    return page.text.split("<main>", 1)[1]


class SignOutTest(unittest.TestCase):
    def setUp(self):
        self.visitor = Visitor(stack.url)
        self.name = self.visitor.signed_up_and_in("out")

    def assert_still_signed_in(self):
        home = self.visitor.get("/index")
        self.assertEqual(home.status_code, 200)
        self.assertIn("Hi, %s!" % self.name, home.text)
        self.assertEqual(session_count(self.name), 1)

    def test_post_with_the_token_signs_out_and_clears_the_cookie(self):
        answer = self.visitor.logout()
        self.assertEqual(answer.status_code, 302)
        value, attributes = set_cookie(answer, "session")
        self.assertEqual(value, "")
        self.assertEqual(attributes.get("max-age"), "0")
        self.assertEqual(attributes.get("path"), "/")
        self.assertNotIn("session", self.visitor.http.cookies)
        self.assertEqual(session_count(self.name), 0)
        home = self.visitor.get("/index")
        self.assertEqual(home.status_code, 302)
        self.assertTrue(home.headers["Location"].startswith("/login"))

    def test_following_the_redirects_lands_on_the_login_page_as_a_visitor(self):
        page = self.visitor.post("/logout", {"csrf_token": self.visitor.csrf_token("/index")},
                                 allow_redirects=True)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.url.split("?")[0], stack.url + "/login")
        self.assertIn("<title>Sign In - Microblog</title>", page.text)
        self.assertRegex(page.text, r'<a href="/index">Home</a>\s*<a href="/login">Login</a>')
        self.assertNotIn('action="/logout"', page.text)

    def test_a_copy_of_the_session_cookie_no_longer_works_after_sign_out(self):
        copy = Visitor(stack.url)
        copy.http.cookies.set("session", self.visitor.http.cookies["session"])
        # Every worker of the home page has seen the session live...
        for _ in range(4 * stack.workers):
            self.assertEqual(copy.get("/index").status_code, 200)
        self.assertEqual(self.visitor.logout().status_code, 302)
        # ...and from the very next request on, none of them takes the copy, whichever answers.
        for attempt in range(4 * stack.workers):
            with self.subTest(attempt=attempt):
                home = copy.get("/index")
                self.assertEqual(home.status_code, 302)
                self.assertEqual(home.headers["Location"], "/login?next=%2Findex")
                self.assertNotIn("Hi, ", home.text)
        page = copy.get("/login")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('action="/logout"', page.text)

    def test_signing_out_ends_only_this_browsers_session(self):
        # What the code does: other sign-ins of the same user stay live.
        other = Visitor(stack.url)
        self.assertEqual(other.login(self.name).status_code, 302)
        self.assertEqual(self.visitor.logout().status_code, 302)
        self.assertEqual(other.get("/index").status_code, 200)
        self.assertEqual(self.visitor.get("/index").status_code, 302)

    def test_get_shows_a_one_button_confirmation_and_signs_nobody_out(self):
        page = self.visitor.get("/logout")
        self.assertEqual(page.status_code, 200)
        content = main_content(page)
        forms = re.findall(r"<form[^>]*>.*?</form>", content, re.S)
        self.assertEqual(len(forms), 1, content)
        self.assertRegex(forms[0], r'^<form method="post" action="/logout">')
        self.assertRegex(forms[0], r'<input type="hidden" name="csrf_token" value="[^"]+">')
        self.assertEqual(len(re.findall(r'type="submit"|<button', forms[0])), 1)
        self.assertIsNone(set_cookie(page, "session"))
        self.assert_still_signed_in()
        # And its token is the one that signs out.
        token = re.search(r'name="csrf_token" value="([^"]+)"', forms[0]).group(1)
        self.assertEqual(self.visitor.post("/logout", {"csrf_token": token}).status_code, 302)
        self.assertEqual(self.visitor.get("/index").status_code, 302)

    def test_post_without_a_token_is_refused_and_keeps_the_user_signed_in(self):
        answer = self.visitor.post("/logout", {})
        self.assertEqual(answer.status_code, 400)
        self.assertIsNone(set_cookie(answer, "session"))
        self.assert_still_signed_in()

    def test_post_with_an_empty_body_is_refused(self):
        answer = self.visitor.post("/logout")
        self.assertEqual(answer.status_code, 400)
        self.assert_still_signed_in()

    def test_post_with_a_wrong_token_is_refused_and_keeps_the_user_signed_in(self):
        token = self.visitor.csrf_token("/index")
        for wrong in ("", "x", token[:-1] + ("A" if token[-1] != "A" else "B"), token + "A"):
            with self.subTest(token=wrong):
                answer = self.visitor.post("/logout", {"csrf_token": wrong})
                self.assertEqual(answer.status_code, 400)
                self.assertIsNone(set_cookie(answer, "session"))
                self.assert_still_signed_in()

    def test_post_with_another_users_token_is_refused(self):
        other = Visitor(stack.url)
        other.signed_up_and_in("other")
        answer = self.visitor.post("/logout", {"csrf_token": other.csrf_token("/index")})
        self.assertEqual(answer.status_code, 400)
        self.assert_still_signed_in()
        self.assertEqual(other.get("/index").status_code, 200)

    def test_post_with_a_visitors_form_token_is_refused(self):
        # A token of a sign-in form (bound to a pre-session cookie) is not the session's token.
        stranger_token = Visitor(stack.url).csrf_token("/login")
        answer = self.visitor.post("/logout", {"csrf_token": stranger_token})
        self.assertEqual(answer.status_code, 400)
        self.assert_still_signed_in()

    def test_the_token_of_an_earlier_session_does_not_sign_out_a_new_one(self):
        old_token = self.visitor.csrf_token("/index")
        self.assertEqual(self.visitor.logout().status_code, 302)
        self.assertEqual(self.visitor.login(self.name).status_code, 302)
        answer = self.visitor.post("/logout", {"csrf_token": old_token})
        self.assertEqual(answer.status_code, 400)
        self.assert_still_signed_in()


class VisitorTest(unittest.TestCase):
    def test_a_visitor_opening_logout_is_sent_home(self):
        answer = Visitor(stack.url).get("/logout")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/index")

    def test_a_visitor_posting_logout_gets_no_error(self):
        # What the code does: nothing to sign out of, so the same redirect as GET.
        visitor = Visitor(stack.url)
        answer = visitor.post("/logout", {"csrf_token": visitor.csrf_token("/login")})
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/index")


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/python3
"""cgi-bin/login.cpp: the sign-in form, credentials, password hashes, `next`, session cookies, CSRF."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-login")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def set_cookies(response):
    """Every Set-Cookie header of a response, unmerged."""
    return response.raw.headers.getlist("Set-Cookie")


def set_cookie(response, name):
    """(value, {attribute lower-cased: value}) of the Set-Cookie for `name`, or None."""
    for header in set_cookies(response):
        parts = [part.strip() for part in header.split(";")]
        cookie_name, _, value = parts[0].partition("=")
        if cookie_name == name:
            attributes = {}
            for part in parts[1:]:
                key, _, attribute_value = part.partition("=")
                attributes[key.lower()] = attribute_value
            return value, attributes
    return None


def stored_hash(username):
    rows = stack.sql("SELECT password_hash FROM users WHERE username = '%s'" % username)
    return rows[0][0] if rows else None


def is_signed_in(visitor):
    return visitor.get("/index").status_code == 200


class LoginPageTest(unittest.TestCase):
    def test_the_form_has_its_fields_button_and_register_link(self):
        page = Visitor(stack.url).get("/login")
        self.assertEqual(page.status_code, 200)
        self.assertIn("<title>Sign In - Microblog</title>", page.text)
        self.assertRegex(page.text, r'<input type="text"[^>]* name="username"')
        self.assertRegex(page.text, r'<input type="password"[^>]* name="password"')
        self.assertRegex(page.text, r'<input type="checkbox" id="remember_me" name="remember_me"')
        self.assertIn('<label for="remember_me">Remember Me</label>', page.text)
        self.assertRegex(page.text, r'<input type="submit"[^>]* value="Sign In"')
        self.assertIn('New User? <a href="/register">Click to Register!</a>', page.text)
        self.assertRegex(page.text, r'name="csrf_token" value="[^"]+"')

    def test_a_visitor_sees_home_then_login_in_the_navigation(self):
        page = Visitor(stack.url).get("/login")
        self.assertRegex(page.text, r'Microblog:</span>\s*<a href="/index">Home</a>\s*<a href="/login">Login</a>')
        self.assertNotIn('action="/logout"', page.text)

    def test_a_signed_in_user_opening_login_is_sent_home(self):
        visitor = Visitor(stack.url)
        visitor.signed_up_and_in("loginpage")
        for path in ("/login", "/login?next=%2Findex"):
            with self.subTest(path=path):
                page = visitor.get(path)
                self.assertEqual(page.status_code, 302)
                self.assertEqual(page.headers["Location"], "/index")


class CredentialsTest(unittest.TestCase):
    def setUp(self):
        self.name = unique_name("cred")
        self.assertEqual(Visitor(stack.url).register(self.name, password="right password").status_code, 302)

    def test_right_credentials_sign_in_and_go_to_index(self):
        visitor = Visitor(stack.url)
        answer = visitor.login(self.name, password="right password")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/index")
        self.assertIsNotNone(set_cookie(answer, "session"))
        home = visitor.get("/index")
        self.assertEqual(home.status_code, 200)
        self.assertIn("Hi, %s!" % self.name, home.text)

    def test_unknown_user_and_wrong_password_get_the_same_answer(self):
        answers = []
        for username, password in ((unique_name("nobody"), "right password"), (self.name, "wrong password")):
            visitor = Visitor(stack.url)
            answer = visitor.login(username, password=password)
            self.assertEqual(answer.status_code, 302)
            self.assertEqual(answer.headers["Location"], "/login")
            self.assertIsNone(set_cookie(answer, "session"))
            # The flash cookie is signed deterministically: equal cookies mean equal messages.
            answers.append((answer.status_code, answer.headers["Location"], set_cookie(answer, "flash")))
            page = visitor.get("/login")
            self.assertEqual(visitor.flashes(page.text), ["Invalid username or password"])
            self.assertFalse(is_signed_in(visitor))
        self.assertEqual(answers[0], answers[1])

    def test_bad_credentials_keep_a_safe_next(self):
        answer = Visitor(stack.url).login(self.name, password="wrong", next_path="/index?a=1&b=2")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/login?next=%2Findex%3Fa%3D1%26b%3D2")

    def test_bad_credentials_drop_an_unsafe_next(self):
        for next_path in ("//evil.example", "http://evil.example/", "/\\evil.example"):
            with self.subTest(next=next_path):
                answer = Visitor(stack.url).login(self.name, password="wrong", next_path=next_path)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/login")

    def test_username_is_matched_regardless_of_letter_case_and_shown_as_registered(self):
        name = "Susan" + unique_name("X")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        for typed in (name, name.lower(), name.upper()):
            with self.subTest(typed=typed):
                visitor = Visitor(stack.url)
                self.assertEqual(visitor.login(typed).headers.get("Location"), "/index")
                self.assertIn("Hi, %s!" % name, visitor.get("/index").text)

    def test_blank_fields_show_the_form_again_with_errors(self):
        visitor = Visitor(stack.url)
        token = visitor.csrf_token("/login")
        for username, password in (("", "x"), ("   ", "x"), (self.name, "")):
            with self.subTest(username=username, password=password):
                page = visitor.post("/login", {"csrf_token": token, "username": username, "password": password})
                self.assertEqual(page.status_code, 200)
                self.assertIn("<title>Sign In - Microblog</title>", page.text)
                self.assertIn('<span class="field-error" id="', page.text)
                self.assertIn(">This field is required.</span>", page.text)
                self.assertIsNone(set_cookie(page, "session"))
        self.assertFalse(is_signed_in(visitor))

    def test_a_form_error_echoes_the_username_and_remember_me_but_never_the_password(self):
        visitor = Visitor(stack.url)
        page = visitor.post("/login", {"csrf_token": visitor.csrf_token("/login"), "username": "",
                                       "password": "TopSecretPw42", "remember_me": "y"})
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("TopSecretPw42", page.text)
        self.assertRegex(page.text, r'name="remember_me" value="y" checked')
        page = visitor.post("/login", {"csrf_token": visitor.csrf_token("/login"), "username": "echoed-name",
                                       "password": ""})
        self.assertIn('value="echoed-name"', page.text)


class NextTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = unique_name("next")
        assert Visitor(stack.url).register(cls.name).status_code == 302

    def test_a_safe_next_is_followed_exactly(self):
        # A full URL inside the query is still a path on this site.
        for next_path in ("/index?a=1&b=2", "/", "/index", "/index?u=http://evil.example/&v=//x"):
            with self.subTest(next=next_path):
                answer = Visitor(stack.url).login(self.name, next_path=next_path)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], next_path)

    def test_without_next_the_user_goes_to_index(self):
        self.assertEqual(Visitor(stack.url).login(self.name).headers["Location"], "/index")

    def test_an_unsafe_next_falls_back_to_index_and_never_reaches_the_location(self):
        unsafe = ["http://evil.example/", "//evil.example", "///evil.example", "/\\evil.example",
                  "https:evil.example", "/index\r\nSet-Cookie: x=y", "javascript:alert(1)",
                  "/\t/evil.example", "\\\\evil.example", " //evil.example", "evil.example", ""]
        for next_path in unsafe:
            with self.subTest(next=next_path):
                answer = Visitor(stack.url).login(self.name, next_path=next_path)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/index")
                self.assertIsNone(set_cookie(answer, "x"))
                self.assertIsNotNone(set_cookie(answer, "session"))

    def test_characters_not_allowed_in_a_url_are_percent_encoded(self):
        # What the code does (next_url.h): the path and query are kept, other bytes escaped.
        answer = Visitor(stack.url).login(self.name, next_path="/index?q=a b&c=\u00e9&d=%41")
        self.assertEqual(answer.headers["Location"], "/index?q=a%20b&c=%C3%A9&d=%41")


class PasswordHashTest(unittest.TestCase):
    def test_new_password_hashes_are_yescrypt(self):
        name = unique_name("yescrypt")
        self.assertEqual(Visitor(stack.url).register(name, password="pw number one").status_code, 302)
        self.assertTrue(stored_hash(name).startswith("$y$"), stored_hash(name))

    def plant_sha512_hash(self, password):
        name = unique_name("sha512")
        self.assertEqual(Visitor(stack.url).register(name, password="something else").status_code, 302)
        old_hash = subprocess.run(["openssl", "passwd", "-6", "-salt", "somesalt", password],
                                  check=True, capture_output=True, text=True).stdout.strip()
        self.assertTrue(old_hash.startswith("$6$somesalt$"))
        stack.sql("UPDATE users SET password_hash = '%s' WHERE username = '%s'" % (old_hash, name))
        self.assertEqual(stored_hash(name), old_hash)
        return name, old_hash

    def test_a_sha512_crypt_hash_is_upgraded_to_yescrypt_at_sign_in(self):
        name, old_hash = self.plant_sha512_hash("pw")
        visitor = Visitor(stack.url)
        answer = visitor.login(name, password="pw")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/index")
        new_hash = stored_hash(name)
        self.assertTrue(new_hash.startswith("$y$"), new_hash)
        # The upgraded hash still verifies the same password, and only that one.
        self.assertEqual(Visitor(stack.url).login(name, password="pw").headers["Location"], "/index")
        self.assertEqual(Visitor(stack.url).login(name, password="pW").headers["Location"], "/login")

    def test_a_wrong_password_against_a_sha512_crypt_hash_fails_and_keeps_the_hash(self):
        name, old_hash = self.plant_sha512_hash("pw")
        visitor = Visitor(stack.url)
        answer = visitor.login(name, password="pw2")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/login")
        self.assertFalse(is_signed_in(visitor))
        self.assertEqual(stored_hash(name), old_hash)

    def test_a_long_password_is_not_truncated(self):
        name = unique_name("long")
        password = ("a long passphrase, never truncated; " * 6)[:199] + "X"
        self.assertEqual(len(password), 200)
        self.assertEqual(Visitor(stack.url).register(name, password=password).status_code, 302)
        self.assertEqual(Visitor(stack.url).login(name, password=password[:-1] + "Y").headers["Location"], "/login")
        self.assertEqual(Visitor(stack.url).login(name, password=password[:-1]).headers["Location"], "/login")
        self.assertEqual(Visitor(stack.url).login(name, password=password).headers["Location"], "/index")

    def test_a_password_is_not_trimmed(self):
        # What the code does (form.h): passwords keep every character, surrounding spaces too.
        name = unique_name("spaces")
        self.assertEqual(Visitor(stack.url).register(name, password="  padded phrase  ").status_code, 302)
        self.assertEqual(Visitor(stack.url).login(name, password="padded phrase").headers["Location"], "/login")
        self.assertEqual(Visitor(stack.url).login(name, password="  padded phrase  ").headers["Location"], "/index")


class SessionCookieTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = unique_name("cookie")
        assert Visitor(stack.url).register(cls.name).status_code == 302

    def test_the_session_cookie_is_httponly_lax_for_the_whole_site_and_not_secure_over_http(self):
        answer = Visitor(stack.url).login(self.name)
        value, attributes = set_cookie(answer, "session")
        self.assertTrue(value)
        self.assertIn("httponly", attributes)
        self.assertEqual(attributes.get("samesite", "").lower(), "lax")
        self.assertEqual(attributes.get("path"), "/")
        self.assertNotIn("secure", attributes)
        self.assertNotIn("domain", attributes)

    def test_without_remember_me_the_cookie_ends_with_the_browser_session(self):
        _, attributes = set_cookie(Visitor(stack.url).login(self.name), "session")
        self.assertNotIn("expires", attributes)
        self.assertNotIn("max-age", attributes)

    def test_remember_me_keeps_the_cookie_for_30_days(self):
        visitor = Visitor(stack.url)
        _, attributes = set_cookie(visitor.login(self.name, remember_me=True), "session")
        self.assertEqual(attributes.get("max-age"), "2592000")
        self.assertTrue(is_signed_in(visitor))

    def test_the_database_session_lives_as_long_as_the_cookie_says(self):
        # What the code does: session_hours = 12 without Remember Me, remember_me_days = 30 with.
        name = unique_name("lifetime")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        Visitor(stack.url).login(name)
        Visitor(stack.url).login(name, remember_me=True)
        rows = stack.sql("SELECT s.remember_me, TIMESTAMPDIFF(HOUR, s.created_at, s.expires_at) FROM sessions s "
                         "JOIN users u ON u.id = s.user_id WHERE u.username = '%s' ORDER BY 1" % name)
        self.assertEqual(rows, [["0", "12"], ["1", "720"]])

    def test_every_sign_in_gets_a_new_token(self):
        first = Visitor(stack.url)
        second = Visitor(stack.url)
        value1, _ = set_cookie(first.login(self.name), "session")
        value2, _ = set_cookie(second.login(self.name), "session")
        self.assertNotEqual(value1, value2)
        # Both are live sessions of their own.
        self.assertTrue(is_signed_in(first))
        self.assertTrue(is_signed_in(second))


class CsrfTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = unique_name("csrf")
        assert Visitor(stack.url).register(cls.name).status_code == 302

    def assert_refused(self, visitor, data):
        data = dict(data, username=self.name, password="correct horse")
        answer = visitor.post("/login", data)
        self.assertEqual(answer.status_code, 400)
        self.assertIn("<title>Sign In - Microblog</title>", answer.text)
        self.assertRegex(answer.text, r'<form method="post"')
        self.assertRegex(answer.text, r'name="csrf_token" value="[^"]+"')
        self.assertIn('class="form-error" role="alert"', answer.text)
        self.assertIsNone(set_cookie(answer, "session"))
        self.assertFalse(is_signed_in(visitor))

    def test_without_a_token_the_sign_in_is_refused(self):
        visitor = Visitor(stack.url)
        visitor.csrf_token("/login")
        self.assert_refused(visitor, {})

    def test_with_an_empty_token_the_sign_in_is_refused(self):
        visitor = Visitor(stack.url)
        visitor.csrf_token("/login")
        self.assert_refused(visitor, {"csrf_token": ""})

    def test_with_a_wrong_token_the_sign_in_is_refused(self):
        visitor = Visitor(stack.url)
        token = visitor.csrf_token("/login")
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        self.assert_refused(visitor, {"csrf_token": wrong})

    def test_with_another_visitors_token_the_sign_in_is_refused(self):
        visitor = Visitor(stack.url)
        visitor.csrf_token("/login")
        other_token = Visitor(stack.url).csrf_token("/login")
        self.assert_refused(visitor, {"csrf_token": other_token})

    def test_a_token_without_its_pre_session_cookie_is_refused(self):
        other_token = Visitor(stack.url).csrf_token("/login")
        self.assert_refused(Visitor(stack.url), {"csrf_token": other_token})

    def test_the_form_token_stays_the_same_for_one_browser(self):
        # What the code does: the token is bound to the pre-session cookie, not one per page view.
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.csrf_token("/login"), visitor.csrf_token("/login"))
        self.assertEqual(visitor.login(self.name).headers["Location"], "/index")


if __name__ == "__main__":
    unittest.main(verbosity=2)

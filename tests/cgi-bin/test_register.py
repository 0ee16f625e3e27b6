#!/usr/bin/python3
"""cgi-bin/register.cpp: the registration form, its checks and messages, and creating accounts."""
import os
import random
import secrets
import string
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack, sql_text  # noqa: E402

stack = Stack("cgi-bin-register")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()



def user_count():
    return int(stack.sql("SELECT COUNT(*) FROM users")[0][0])


def stored_user(username):
    """(username, email, password_hash) of the account whose name is `username` in any case."""
    rows = stack.sql("SELECT HEX(username), HEX(email), password_hash FROM users WHERE username_key = LOWER(%s)"
                     % sql_text(username))
    if not rows:
        return None
    return bytes.fromhex(rows[0][0]).decode(), bytes.fromhex(rows[0][1]).decode(), rows[0][2]


def email_of_length(length, local):
    """A plausible address of exactly `length` characters: domain labels of at most 63."""
    rest = length - len(local) - 1 - len(".example")
    labels = []
    while rest > 0:
        label = min(rest, 50)
        if rest - label == 1:  # a one-character remainder could not be ".x"
            label -= 1
        labels.append("d" * label)
        rest -= label + 1
    email = "%s@%s.example" % (local, ".".join(labels))
    assert len(email) == length, email
    return email


def field_error(field, message):
    return '<span class="field-error" id="%s-error">%s</span>' % (field, message)


class RegisterPageTest(unittest.TestCase):
    def test_the_form_has_its_fields_and_button(self):
        page = Visitor(stack.url).get("/register")
        self.assertEqual(page.status_code, 200)
        self.assertIn("<title>Register - Microblog</title>", page.text)
        self.assertRegex(page.text, r'<input type="text"[^>]* name="username"')
        self.assertRegex(page.text, r'<input type="email"[^>]* name="email"')
        self.assertRegex(page.text, r'<input type="password"[^>]* name="password"')
        self.assertRegex(page.text, r'<input type="password"[^>]* name="password2"')
        self.assertRegex(page.text, r'<input type="submit"[^>]* value="Register"')
        self.assertRegex(page.text, r'name="csrf_token" value="[^"]+"')
        self.assertRegex(page.text, r'<a href="/index">Home</a>\s*<a href="/login">Login</a>')

    def test_a_signed_in_user_opening_register_is_sent_home(self):
        visitor = Visitor(stack.url)
        visitor.signed_up_and_in("regpage")
        page = visitor.get("/register")
        self.assertEqual(page.status_code, 302)
        self.assertEqual(page.headers["Location"], "/index")
        before = user_count()
        name = unique_name("second")
        answer = visitor.post("/register", {"csrf_token": visitor.csrf_token("/index"), "username": name,
                                            "email": "%s@example.com" % name, "password": "x", "password2": "x"})
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/index")
        self.assertIsNone(stored_user(name))
        self.assertEqual(user_count(), before)


class SuccessTest(unittest.TestCase):
    def test_success_redirects_to_login_with_a_flash_shown_once_above_the_content(self):
        visitor = Visitor(stack.url)
        name = unique_name("ok")
        answer = visitor.register(name, email="%s@example.com" % name, password="pw number 1")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/login")
        page = visitor.get("/login")
        self.assertEqual(visitor.flashes(page.text), ["Congratulations, you are now a registered user!"])
        self.assertIn('<ul class="flashes" role="status">', page.text)
        self.assertLess(page.text.index('<ul class="flashes"'), page.text.index("<h1>Sign In</h1>"))
        self.assertGreater(page.text.index('<ul class="flashes"'), page.text.index("<main>"))
        again = visitor.get("/login")
        self.assertEqual(visitor.flashes(again.text), [])
        self.assertNotIn('class="flashes"', again.text)

    def test_the_account_is_stored_with_a_yescrypt_hash_and_can_sign_in(self):
        name = unique_name("stored")
        self.assertEqual(Visitor(stack.url).register(name, email="%s@Example.COM" % name,
                                                     password="pw number 2").status_code, 302)
        username, email, password_hash = stored_user(name)
        self.assertEqual(username, name)
        self.assertEqual(email, "%s@Example.COM" % name)
        self.assertTrue(password_hash.startswith("$y$"), password_hash)
        self.assertNotIn("pw number 2", password_hash)
        self.assertEqual(Visitor(stack.url).login(name, password="pw number 2").headers["Location"], "/index")

    def test_surrounding_spaces_of_the_username_are_trimmed(self):
        name = unique_name("bob")
        self.assertEqual(Visitor(stack.url).register("  %s  " % name, email="%s@example.com" % name).status_code, 302)
        self.assertEqual(stored_user(name)[0], name)
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.login(name).headers["Location"], "/index")
        self.assertIn("Hi, %s!" % name, visitor.get("/index").text)

    def test_a_one_character_username_is_accepted(self):
        self.assertEqual(Visitor(stack.url).register("q", email="q-%s@example.com" % unique_name()).status_code, 302)
        self.assertIsNotNone(stored_user("q"))

    def test_a_64_character_username_is_accepted_counting_characters_not_bytes(self):
        suffix = unique_name("")[:6]
        name = "\u00e9" * (64 - len(suffix)) + suffix
        self.assertEqual(len(name), 64)
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.register(name, email="%s@example.com" % suffix).status_code, 302)
        self.assertEqual(stored_user(name)[0], name)
        self.assertEqual(visitor.login(name).headers["Location"], "/index")
        self.assertIn("Hi, %s!" % name, visitor.get("/index").text)

    def test_a_120_character_email_is_accepted(self):
        name = unique_name("mail")
        email = email_of_length(120, name)
        self.assertEqual(Visitor(stack.url).register(name, email=email).status_code, 302)
        self.assertEqual(stored_user(name)[1], email)

    def test_a_1024_byte_password_is_accepted(self):
        name = unique_name("pw1024")
        # Varied, so that it passes the password policy: "p" * 1024 would be refused as too easy.
        generator = random.Random(1024)
        password = "".join(generator.choice(string.ascii_letters + string.digits + " .,-") for _ in range(1024))
        answer = Visitor(stack.url).register(name, password=password)
        self.assertEqual(answer.status_code, 302, "register with a 1024-byte password")
        self.assertIsNotNone(stored_user(name))
        self.assertEqual(Visitor(stack.url).login(name, password=password).headers["Location"], "/index")

    def test_random_hex_passwords_of_any_length_are_accepted(self):
        # cracklib's check once refused about a quarter of `openssl rand -hex 50` passwords
        # (docs/security.md, "The password policy"): 24 of them all passing shows it gone.
        for password in [secrets.token_hex(50) for _ in range(24)] + [secrets.token_hex(8), secrets.token_hex(64)]:
            with self.subTest(password=password):
                name = unique_name("hex")
                answer = Visitor(stack.url).register(name, password=password)
                self.assertEqual(answer.status_code, 302, answer.text)
                self.assertIsNotNone(stored_user(name))


class FormErrorTest(unittest.TestCase):
    def submit(self, **fields):
        """Posts a valid registration with `fields` changed; returns the answer."""
        self.visitor = Visitor(stack.url)
        name = unique_name("err")
        data = {"csrf_token": self.visitor.csrf_token("/register"), "username": name,
                "email": "%s@example.com" % name, "password": "secret pw 9", "password2": "secret pw 9"}
        data.update(fields)
        return self.visitor.post("/register", data)

    def assert_form_error(self, answer, field, message=None, users_before=None):
        self.assertEqual(answer.status_code, 200)
        self.assertIn("<title>Register - Microblog</title>", answer.text)
        self.assertIn('id="%s-error"' % field, answer.text)
        if message is not None:
            self.assertIn(field_error(field, message), answer.text)
        self.assertNotIn("secret pw 9", answer.text)
        if users_before is not None:
            self.assertEqual(user_count(), users_before)

    def test_a_blank_field_is_required(self):
        for field in ("username", "email", "password", "password2"):
            for blank in ("", "   "):
                with self.subTest(field=field, value=blank):
                    before = user_count()
                    changes = {field: blank}
                    if field == "password":
                        changes["password2"] = blank
                    answer = self.submit(**changes)
                    self.assert_form_error(answer, field, "This field is required.", before)

    def test_a_missing_field_is_required(self):
        visitor = Visitor(stack.url)
        before = user_count()
        answer = visitor.post("/register", {"csrf_token": visitor.csrf_token("/register")})
        for field in ("username", "email", "password", "password2"):
            self.assertIn(field_error(field, "This field is required."), answer.text)
        self.assertEqual(user_count(), before)

    def test_entered_username_and_email_are_shown_again_but_never_passwords(self):
        name = unique_name("echo")
        answer = self.submit(username=name, email="%s@example.com" % name, password2="other pw 8")
        self.assert_form_error(answer, "password2", "Field must be equal to password.")
        self.assertIn('value="%s"' % name, answer.text)
        self.assertIn('value="%s@example.com"' % name, answer.text)
        self.assertNotIn("other pw 8", answer.text)

    def test_entered_values_are_escaped(self):
        answer = self.submit(username='a"><b>x', email='"><i>@example.com')
        self.assertEqual(answer.status_code, 200)
        self.assertNotIn('"><b>x', answer.text)
        self.assertNotIn('"><i>', answer.text)
        self.assertIn("&lt;b&gt;x", answer.text)

    def test_an_invalid_email_address_is_refused(self):
        for email in ("not-an-email", "a@b", "a b@example.com", "@example.com", "a@@example.com", "a@.example.com"):
            with self.subTest(email=email):
                before = user_count()
                self.assert_form_error(self.submit(email=email), "email", "Invalid email address.", before)

    def test_different_passwords_are_refused(self):
        before = user_count()
        self.assert_form_error(self.submit(password2="secret pw 8"), "password2",
                               "Field must be equal to password.", before)

    def test_a_taken_username_is_refused_in_any_letter_case(self):
        name = "Susan" + unique_name("T")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        for taken in (name, name.lower(), name.upper()):
            with self.subTest(username=taken):
                before = user_count()
                self.assert_form_error(self.submit(username=taken), "username", "Please use a different username.",
                                       before)

    def test_a_taken_non_ascii_username_is_refused_in_any_letter_case(self):
        name = "\u00c9lodie" + unique_name("")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        before = user_count()
        self.assert_form_error(self.submit(username=name.lower()), "username", "Please use a different username.",
                               before)

    def test_a_taken_email_is_refused_in_any_letter_case(self):
        name = unique_name("Taken")
        email = "%s@Example.com" % name
        self.assertEqual(Visitor(stack.url).register(name, email=email).status_code, 302)
        for taken in (email, email.lower(), email.upper()):
            with self.subTest(email=taken):
                before = user_count()
                self.assert_form_error(self.submit(email=taken), "email", "Please use a different email address.",
                                       before)

    def test_a_65_character_username_is_refused(self):
        before = user_count()
        answer = self.submit(username="\u00e9" * 65)
        self.assert_form_error(answer, "username", None, before)

    def test_a_121_character_email_is_refused(self):
        name = unique_name("mail")
        email = email_of_length(121, name)
        before = user_count()
        self.assert_form_error(self.submit(email=email), "email", None, before)

    def test_common_or_short_passwords_are_refused_by_the_password_field(self):
        # The policy (core/accounts/password_policy.h): at least 8 characters, not common or a dictionary word.
        too_common = "This password is too common or too easy to guess. Please choose another."
        too_short = "Please choose a longer password (at least 8 characters)."
        for password, message in (("12345678", too_common), ("password1", too_common), ("qwertyui", too_common),
                                  ("short1", too_short), ("password", too_common),
                                  ("\u00e9\u00e8\u00e0\u00e7\u00f9\u00e2\u00ea", too_short)):
            with self.subTest(password=password):
                before = user_count()
                name = unique_name("weak")
                answer = self.submit(username=name, password=password, password2=password)
                self.assert_form_error(answer, "password", message, before)
                self.assertNotIn('value="%s"' % password, answer.text)
                self.assertIsNone(stored_user(name))

    def test_the_username_is_refused_as_the_password(self):
        name = unique_name("myname")
        for password in (name, name.upper(), "my name is " + name):
            with self.subTest(password=password):
                before = user_count()
                answer = self.submit(username=name, password=password, password2=password)
                self.assert_form_error(answer, "password",
                                       "Please choose a password that does not contain your username.", before)
                self.assertIsNone(stored_user(name))

    def test_eight_characters_of_more_bytes_are_accepted(self):
        name = unique_name("eight")
        password = "\u00e9\u00e8\u00e0\u00e7\u00f9\u00e2\u00ea\u00ee"
        self.assertEqual(Visitor(stack.url).register(name, password=password).status_code, 302)
        self.assertEqual(Visitor(stack.url).login(name, password=password).headers["Location"], "/index")

    def test_a_1025_byte_password_is_refused(self):
        for password in ("p" * 1025, "\u00e9" * 513):
            with self.subTest(characters=len(password)):
                before = user_count()
                answer = self.submit(password=password, password2=password)
                self.assert_form_error(answer, "password", None, before)

    def test_control_characters_in_the_username_are_refused(self):
        for name in ("bob\x01x", "bob\tx", "bob\nx", "bob\rx", "bob\x7fx", "bob\u0085x", "bob\x00x"):
            with self.subTest(username=name):
                before = user_count()
                self.assert_form_error(self.submit(username=name), "username", None, before)

    def test_invalid_utf8_in_the_username_is_refused(self):
        for raw in (b"bob\xffx", b"bob\xc3", b"\xc0\xafbob", b"\xed\xa0\x80bob"):
            with self.subTest(username=raw):
                before = user_count()
                self.assert_form_error(self.submit(username=raw), "username", None, before)


class CsrfTest(unittest.TestCase):
    def assert_refused(self, visitor, token):
        name = unique_name("csrf")
        data = {"username": name, "email": "%s@example.com" % name, "password": "pw", "password2": "pw"}
        if token is not None:
            data["csrf_token"] = token
        before = user_count()
        answer = visitor.post("/register", data)
        self.assertEqual(answer.status_code, 400)
        self.assertIn("<title>Register - Microblog</title>", answer.text)
        self.assertRegex(answer.text, r'<form method="post"')
        self.assertRegex(answer.text, r'name="csrf_token" value="[^"]+"')
        self.assertIn('class="form-error" role="alert"', answer.text)
        self.assertIsNone(stored_user(name))
        self.assertEqual(user_count(), before)

    def test_without_a_token_nothing_is_created(self):
        visitor = Visitor(stack.url)
        visitor.csrf_token("/register")
        self.assert_refused(visitor, None)

    def test_with_a_wrong_token_nothing_is_created(self):
        visitor = Visitor(stack.url)
        token = visitor.csrf_token("/register")
        self.assert_refused(visitor, token[:-1] + ("A" if token[-1] != "A" else "B"))

    def test_with_another_visitors_token_nothing_is_created(self):
        visitor = Visitor(stack.url)
        visitor.csrf_token("/register")
        self.assert_refused(visitor, Visitor(stack.url).csrf_token("/register"))

    def test_the_retry_after_a_refusal_works_with_the_new_form(self):
        visitor = Visitor(stack.url)
        visitor.csrf_token("/register")
        self.assert_refused(visitor, "nonsense")
        name = unique_name("retry")
        self.assertEqual(visitor.register(name).status_code, 302)


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/python3
"""Rotating the secret key (core/crypto/signed_value.cpp, previous_secret_key_file): signed values carry
the id of the key that made them; after a rotation the previous key still verifies, a session
cookie it signed is signed again with the new key, and once the previous key is retired only
what the new key signed verifies. Nobody who used the site during the grace period is signed
out."""
import os
import re
import secrets
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor  # noqa: E402
from signed_values import legacy_sign, token_of  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-key-rotation")
KEY_DIR = os.path.join(stack.var_dir, "keys")
ORIGINAL_KEY = os.path.join(stack.var_dir, "secrets", "secret_key")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def new_key_file(name):
    os.makedirs(KEY_DIR, mode=0o700, exist_ok=True)
    path = os.path.join(KEY_DIR, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(secrets.token_hex(32))
    return path


def restart_with(current, previous=""):
    wanted = {"secret_key_file": current, "previous_secret_key_file": previous}
    if all(stack.config.get(key, default) == value for (key, value), default in
           zip(wanted.items(), (ORIGINAL_KEY, ""))):
        return
    stack.config.update(wanted)
    stack.restart()


def session_cookie(response):
    """The value and attributes of the response's session cookie, or None."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            value, _, attributes = header[len("session="):].partition(";")
            return value, attributes
    return None


def key_id(cookie_value):
    return cookie_value.split(".")[0]


class KeyRotationTest(unittest.TestCase):
    def tearDown(self):
        restart_with(ORIGINAL_KEY)

    def signed_in(self, remember_me=False):
        visitor = Visitor(stack.url)
        visitor.signed_up_and_in("rotate", remember_me=remember_me)
        return visitor

    def test_rotation_keeps_everyone_signed_in_and_retiring_the_old_key_drops_only_its_values(self):
        browser = self.signed_in()
        remembered = self.signed_in(remember_me=True)
        idle = self.signed_in()  # not used during the grace period
        old_cookie = browser.http.cookies["session"]
        old_form_token = browser.csrf_token("/index")
        # A visitor who loaded the sign-in form before the rotation.
        late = Visitor(stack.url)
        late_name = late.signed_up_and_in("late")
        late.logout()
        late_form_token = late.csrf_token("/login")

        new_key = new_key_file("rotated")
        restart_with(new_key, ORIGINAL_KEY)

        page = browser.get("/index")
        self.assertEqual(page.status_code, 200)
        renewed, attributes = session_cookie(page)
        self.assertNotEqual(key_id(renewed), key_id(old_cookie), "signed again with the new key")
        self.assertEqual(renewed.split(".")[1], old_cookie.split(".")[1], "the same session")
        self.assertNotIn("Max-Age", attributes, "a browser-session cookie stays one")
        self.assertIn("HttpOnly", attributes)
        self.assertIsNone(session_cookie(browser.get("/index")), "signed once, not on every page")

        page = remembered.get("/index")
        self.assertEqual(page.status_code, 200)
        _, attributes = session_cookie(page)
        max_age = int(re.search(r"Max-Age=(\d+)", attributes).group(1))
        self.assertGreater(max_age, 29 * 24 * 3600, "Remember Me keeps the session's lifetime")
        self.assertLessEqual(max_age, 30 * 24 * 3600)

        # Forms loaded before the rotation still go through.
        self.assertEqual(late.post("/login", {"csrf_token": late_form_token, "username": late_name,
                                              "password": "correct horse"}).status_code, 302)
        self.assertEqual(browser.post("/logout", {"csrf_token": old_form_token}).status_code, 302)
        self.assertEqual(browser.get("/index").status_code, 302, "signed out for real")

        active = self.signed_in()
        restart_with(new_key)
        self.assertEqual(idle.get("/index").status_code, 302, "the retired key verifies nothing")
        self.assertEqual(active.get("/index").status_code, 200, "signed with the new key")
        self.assertEqual(remembered.get("/index").status_code, 200, "signed again during the grace")

    def test_a_cookie_naming_an_unknown_key_is_a_visitor(self):
        browser = self.signed_in()
        cookie = browser.http.cookies["session"]
        forged = "AAAAAAAA." + cookie.split(".", 1)[1]
        stranger = Visitor(stack.url)
        stranger.http.cookies.set("session", forged)
        self.assertEqual(stranger.get("/index").status_code, 302)
        self.assertEqual(browser.get("/index").status_code, 200)

    def test_a_cookie_from_before_key_ids_is_signed_again(self):
        # Cookies of earlier releases were "<data>.<mac>", the MAC over "session", NUL, data.
        browser = self.signed_in()
        token = token_of(browser.http.cookies["session"])
        with open(ORIGINAL_KEY) as f:
            key = f.read().strip().encode()
        legacy = legacy_sign(key, "session", token)
        earlier = Visitor(stack.url)
        earlier.http.cookies.set("session", legacy)
        page = earlier.get("/index")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(len(session_cookie(page)[0].split(".")), 3)
        self.assertTrue(CSRF_PATTERN.search(page.text))


if __name__ == "__main__":
    unittest.main()

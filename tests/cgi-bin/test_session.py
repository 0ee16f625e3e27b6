#!/usr/bin/python3
"""core/accounts/sessions.cpp as every page uses it: who a session cookie belongs to, and who it doesn't."""
import hashlib
import os
import sys
import unittest

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from signed_values import b64, sign, unb64  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-session")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def secret_key():
    with open(os.path.join(stack.var_dir, "secrets", "secret_key")) as f:
        return f.read().strip().encode()


def get(path, cookie):
    return requests.get(stack.url + path, headers={"Cookie": cookie}, allow_redirects=False, timeout=30)


def flip(text, index):
    """`text` with the base64url character at `index` replaced by another one."""
    return text[:index] + ("B" if text[index] != "B" else "C") + text[index + 1:]


class SessionTestCase(unittest.TestCase):
    def sign_in(self, prefix="sess", remember_me=False):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in(prefix, remember_me=remember_me)
        return name, visitor.http.cookies["session"]

    def assert_signed_in_as(self, cookie, name):
        page = get("/index", cookie)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Hi, %s!" % name, page.text)

    def assert_visitor(self, cookie):
        home = get("/index", cookie)
        self.assertLess(home.status_code, 500)
        self.assertEqual(home.status_code, 302)
        self.assertEqual(home.headers["Location"], "/login?next=%2Findex")
        login = get("/login", cookie)
        self.assertEqual(login.status_code, 200)
        self.assertIn('<a href="/login">Login</a>', login.text)
        self.assertNotIn('action="/logout"', login.text)
        self.assertEqual(get("/register", cookie).status_code, 200)
        logout = get("/logout", cookie)
        self.assertEqual(logout.status_code, 302)
        self.assertEqual(logout.headers["Location"], "/index")


class GenuineCookieTest(SessionTestCase):
    def test_a_genuine_cookie_signs_in_on_every_page(self):
        name, value = self.sign_in()
        self.assert_signed_in_as("session=" + value, name)
        self.assertEqual(get("/login", "session=" + value).headers["Location"], "/index")
        self.assertEqual(get("/logout", "session=" + value).status_code, 200)

    def test_the_cookie_is_a_token_signed_with_the_secret_key(self):
        # Checks the forging helpers the other tests rely on against a real cookie.
        _, value = self.sign_in()
        token = unb64(value.split(".")[1])
        self.assertEqual(len(token), 32)
        self.assertEqual(sign(secret_key(), "session", token), value)

    def test_the_database_holds_only_the_hash_of_the_token(self):
        name, value = self.sign_in()
        token = unb64(value.split(".")[1])
        rows = stack.sql("SELECT LOWER(HEX(s.token_hash)) FROM sessions s JOIN users u ON u.id = s.user_id "
                         "WHERE u.username = '%s'" % name)
        self.assertEqual(rows, [[hashlib.sha256(token).hexdigest()]])

    def test_the_session_records_its_browser_address_and_an_opaque_public_id(self):
        agent = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0 caf\xe9 " + "x" * 400
        names_and_ids = []
        for _ in range(2):
            visitor = Visitor(stack.url)
            visitor.http.headers["User-Agent"] = agent
            name = visitor.signed_up_and_in("origin")
            rows = stack.sql("SELECT s.user_agent, s.ip_address, LENGTH(s.public_id), HEX(s.public_id), "
                             "HEX(s.token_hash), s.confirmed_at IS NOT NULL FROM sessions s "
                             "JOIN users u ON u.id = s.user_id WHERE u.username = '%s'" % name)
            self.assertEqual(len(rows), 1)
            stored, address, id_length, public_id, token_hash, confirmed = rows[0]
            # Printable ASCII only, cut to the column's 255 characters.
            self.assertEqual(stored, agent.replace("\xe9", "")[:255])
            self.assertEqual(address, "127.0.0.1")
            self.assertEqual((id_length, confirmed), ("16", "1"))
            self.assertNotIn(public_id, token_hash)
            names_and_ids.append(public_id)
        self.assertNotEqual(names_and_ids[0], names_and_ids[1])

    def test_a_bad_cookie_before_a_genuine_one_does_not_hide_it(self):
        # What the code does (sessions.h): the first cookie that verifies and is live counts.
        name, value = self.sign_in()
        self.assert_signed_in_as("session=garbage; session=" + value, name)
        self.assert_signed_in_as("session=" + value + "; session=garbage", name)

    def test_the_cookie_name_is_exact(self):
        _, value = self.sign_in()
        for cookie in ("Session=" + value, "sessionx=" + value, "xsession=" + value):
            with self.subTest(cookie=cookie[:10]):
                self.assert_visitor(cookie)


class BadCookieTest(SessionTestCase):
    @classmethod
    def setUpClass(cls):
        visitor = Visitor(stack.url)
        cls.name = visitor.signed_up_and_in("victim")
        cls.value = visitor.http.cookies["session"]
        cls.kid, cls.data, cls.mac = cls.value.split(".")
        cls.token = unb64(cls.data)

    def setUp(self):
        # The genuine cookie stays valid, so every refusal below is about the change made to it.
        self.assert_signed_in_as("session=" + self.value, self.name)

    def test_a_tampered_cookie_is_a_visitor(self):
        kid = self.kid + "."
        variants = {
            "first key id character": flip(self.kid, 0) + "." + self.data + "." + self.mac,
            "first data character": kid + flip(self.data, 0) + "." + self.mac,
            "last data character": kid + flip(self.data, len(self.data) - 1) + "." + self.mac,
            "middle data character": kid + flip(self.data, len(self.data) // 2) + "." + self.mac,
            "first mac character": kid + self.data + "." + flip(self.mac, 0),
            "last mac character": kid + self.data + "." + flip(self.mac, len(self.mac) - 1),
            "swapped halves": kid + self.mac + "." + self.data,
            "upper-cased": self.value.upper(),
            "padded data": kid + self.data + "=." + self.mac,
            "extra dot": kid + self.data + ".." + self.mac,
            "extra part": self.value + ".x",
            "space inside": kid + self.data + ". " + self.mac,
            "without the key id": self.data + "." + self.mac,
        }
        for what, cookie in variants.items():
            with self.subTest(what):
                self.assert_visitor("session=" + cookie)

    def test_a_truncated_cookie_is_a_visitor(self):
        for cookie in (self.value[:-1], self.value[:len(self.value) // 2], self.data, self.data + ".",
                       "." + self.mac, self.value[1:], self.kid + "." + self.data,
                       self.kid + "." + self.data + "."):
            with self.subTest(length=len(cookie)):
                self.assert_visitor("session=" + cookie)

    def test_a_garbage_cookie_is_a_visitor(self):
        for cookie in ("", "garbage", ".", "..", "a.b", "a.b.c", "!!!.???", "%00", '"', '""', "\\", "=",
                       "null", "0", "-1", "session"):
            with self.subTest(cookie=cookie):
                self.assert_visitor("session=" + cookie)

    def test_an_oversized_cookie_is_a_visitor(self):
        for cookie in ("A" * 4000, self.value + "A" * 4000, self.kid + "." + b64(os.urandom(2900)) + "." + self.mac,
                       sign(secret_key(), "session", os.urandom(2000))):
            with self.subTest(length=len(cookie)):
                self.assert_visitor("session=" + cookie)

    def test_a_cookie_too_large_for_nginx_is_refused_without_a_server_error(self):
        page = get("/index", "session=" + "A" * 20000)
        self.assertGreaterEqual(page.status_code, 300)
        self.assertLess(page.status_code, 500)

    def test_a_cookie_signed_with_another_key_is_a_visitor(self):
        for key in (os.urandom(32).hex().encode(), b"", secret_key()[:-1], secret_key().upper()):
            with self.subTest(key_length=len(key)):
                self.assert_visitor("session=" + sign(key, "session", self.token))

    def test_a_value_signed_for_another_purpose_is_a_visitor(self):
        for purpose in ("flash", "csrf", "presession", "Session", "session\0"):
            with self.subTest(purpose=purpose):
                self.assert_visitor("session=" + sign(secret_key(), purpose, self.token))

    def test_the_flash_cookie_value_is_not_a_session(self):
        visitor = Visitor(stack.url)
        visitor.login(unique_name("nobody"), "wrong password")
        flash = visitor.http.cookies.get("flash")
        self.assertTrue(flash)
        self.assert_visitor("session=" + flash)

    def test_a_well_signed_token_without_a_session_is_a_visitor(self):
        self.assert_visitor("session=" + sign(secret_key(), "session", os.urandom(32)))

    def test_a_well_signed_token_of_the_wrong_length_is_a_visitor(self):
        for token in (self.token[:16], self.token + b"x", self.token[:31], b""):
            with self.subTest(length=len(token)):
                self.assert_visitor("session=" + sign(secret_key(), "session", token))


class EndedSessionTest(SessionTestCase):
    def test_an_expired_session_is_a_visitor(self):
        name, value = self.sign_in("expired", remember_me=True)
        self.assert_signed_in_as("session=" + value, name)
        stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id "
                  "SET s.expires_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE u.username = '%s'" % name)
        self.assert_visitor("session=" + value)

    def test_a_session_expiring_later_is_still_live(self):
        name, value = self.sign_in("later")
        stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id "
                  "SET s.expires_at = UTC_TIMESTAMP() + INTERVAL 2 MINUTE WHERE u.username = '%s'" % name)
        self.assert_signed_in_as("session=" + value, name)

    def test_an_expired_session_is_swept_at_the_users_next_sign_in(self):
        # What the code does (sessions.cpp): signing in deletes that user's dead sessions.
        name, value = self.sign_in("sweep")
        stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id "
                  "SET s.expires_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE WHERE u.username = '%s'" % name)
        self.assertEqual(Visitor(stack.url).login(name).status_code, 302)
        rows = stack.sql("SELECT COUNT(*), SUM(s.expires_at <= UTC_TIMESTAMP()) FROM sessions s "
                         "JOIN users u ON u.id = s.user_id WHERE u.username = '%s'" % name)
        self.assertEqual(rows, [["1", "0"]])

    def test_a_deleted_session_row_is_a_visitor(self):
        name, value = self.sign_in("revoked")
        stack.sql("DELETE s FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = '%s'" % name)
        self.assert_visitor("session=" + value)

    def test_the_session_of_a_deleted_user_is_a_visitor(self):
        name, value = self.sign_in("deleted")
        stack.sql("DELETE FROM users WHERE username = '%s'" % name)
        self.assert_visitor("session=" + value)

    def test_a_renamed_user_is_greeted_by_the_new_name(self):
        # What the code does: the name comes from the users table on each request, not the cookie.
        name, value = self.sign_in("renamed")
        new_name = unique_name("renamedto")
        stack.sql("UPDATE users SET username = '%s' WHERE username = '%s'" % (new_name, name))
        self.assert_signed_in_as("session=" + value, new_name)


if __name__ == "__main__":
    unittest.main(verbosity=2)

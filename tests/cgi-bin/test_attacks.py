#!/usr/bin/python3
"""The site as an attacker tries it: SQL injection and CRLF in every field, open redirects
through `next`, session fixation, replay after sign-out, a cookie signed with another key, HEAD
and unknown methods, and telling unknown users from wrong passwords by time. Each attack must
fail cleanly: a 4xx or a form message, never a 5xx, nothing stored, nobody signed in."""
import os
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from routes import pages  # noqa: E402
from signed_values import b64, key_id, sign, unb64  # noqa: E402
from stack import Stack, sql_text  # noqa: E402

# Many failed sign-ins for one name on purpose: the per-account throttle would make later ones
# cheaper, which the timing test must not mistake for a leak.
stack = Stack("cgi-bin-attacks", config={"throttle_failures": 1000})
PASSWORD = "a passphrase nobody guesses"
INJECTIONS = ["' OR '1'='1", "admin'--", "\"; DROP TABLE users; --", "1; SELECT SLEEP(5)",
              "' UNION SELECT username, password_hash FROM users --", "\\' OR 1=1 #", "%27%20OR%201=1"]
CRLF = ["a\r\nSet-Cookie: session=forged", "a%0d%0aLocation: http://evil.example", "\r\n\r\n<html>"]


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def user_count():
    return int(stack.sql("SELECT COUNT(*) FROM users")[0][0])


class AttackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = unique_name("target")
        assert Visitor(stack.url).register(cls.name, password=PASSWORD).status_code == 302

    def assert_clean(self, answer):
        self.assertLess(answer.status_code, 500, "%s %s" % (answer.request.method, answer.request.url))
        for header, value in answer.headers.items():
            self.assertNotIn("forged", value, header)
            self.assertNotIn("evil.example", value, header)

    def signed_in(self):
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.login(self.name, PASSWORD).status_code, 302)
        return visitor

    def test_sql_injection_in_every_field_of_sign_in(self):
        for value in INJECTIONS:
            for field in ("username", "password", "csrf_token", "remember_me"):
                with self.subTest(field=field, value=value):
                    visitor = Visitor(stack.url)
                    data = {"csrf_token": visitor.csrf_token("/login"), "username": self.name,
                            "password": "wrong"}
                    data[field] = value
                    answer = visitor.post("/login", data)
                    self.assert_clean(answer)
                    self.assertNotEqual(answer.headers.get("Location"), "/index")
                    self.assertEqual(visitor.get("/index").status_code, 302)

    def test_sql_injection_in_every_field_of_registration_stores_nothing_odd(self):
        before = user_count()
        for value in INJECTIONS:
            for field in ("username", "email", "password", "password2", "csrf_token"):
                with self.subTest(field=field, value=value):
                    visitor = Visitor(stack.url)
                    name = unique_name("inj")
                    data = {"csrf_token": visitor.csrf_token("/register"), "username": name,
                            "email": name + "@example.com", "password": PASSWORD, "password2": PASSWORD}
                    data[field] = value
                    answer = visitor.post("/register", data)
                    self.assert_clean(answer)
                    if answer.status_code == 302:
                        # Accepted as plain text (a password may be anything): stored as given.
                        self.assertIn(field, ("password", "password2", "username"))
                        if field == "username":
                            rows = stack.sql("SELECT COUNT(*) FROM users WHERE username = %s" % sql_text(value))
                            self.assertEqual(rows, [["1"]])
                            stack.sql("DELETE FROM users WHERE username = %s" % sql_text(value))
                        else:
                            stack.sql("DELETE FROM users WHERE username = %s" % sql_text(name))
        self.assertEqual(user_count(), before)

    def test_crlf_in_fields_and_next_never_reaches_a_header(self):
        for value in CRLF:
            with self.subTest(value=value):
                visitor = Visitor(stack.url)
                data = {"csrf_token": visitor.csrf_token("/login"), "username": value, "password": value}
                self.assert_clean(visitor.post("/login", data))
                answer = self.signed_in().post("/login", {"username": self.name, "password": PASSWORD},
                                               params={"next": value})
                self.assert_clean(answer)
                fresh = Visitor(stack.url)
                data = {"csrf_token": fresh.csrf_token("/login"), "username": self.name, "password": PASSWORD}
                answer = fresh.post("/login", data, params={"next": value})
                self.assert_clean(answer)
                location = answer.headers.get("Location", "")
                self.assertNotIn("\r", location)
                self.assertNotIn("\n", location)

    def test_next_never_leads_to_another_site(self):
        for target in ("http://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example",
                       "https:evil.example", "javascript:alert(1)", "/%2F%2Fevil.example", " //evil.example",
                       "\t//evil.example", "/\t/evil.example", "///evil.example", "http:/\\evil.example"):
            with self.subTest(next=target):
                visitor = Visitor(stack.url)
                data = {"csrf_token": visitor.csrf_token("/login"), "username": self.name, "password": PASSWORD}
                answer = visitor.post("/login", data, params={"next": target})
                self.assertEqual(answer.status_code, 302)
                location = answer.headers["Location"]
                self.assertTrue(location.startswith("/") and not location.startswith("//")
                                and "\\" not in location, location)

    def test_a_session_cookie_planted_before_sign_in_is_not_the_one_after(self):
        # A session value the attacker made up (the token is theirs, the session not yet live),
        # waiting in the victim's browser for the victim to sign in.
        planted = b64(os.urandom(32)) + "." + b64(os.urandom(32))
        victim = Visitor(stack.url)
        token = victim.csrf_token("/login")
        victim.http.cookies.set("session", planted, domain="", path="/")
        data = {"csrf_token": token, "username": self.name, "password": PASSWORD}
        answer = victim.post("/login", data)
        self.assertEqual(answer.headers.get("Location"), "/index")
        issued = answer.cookies.get("session")
        self.assertIsNotNone(issued, "signing in must issue a session cookie of its own")
        self.assertNotEqual(issued, planted)
        attacker = Visitor(stack.url)
        attacker.http.cookies.set("session", planted)
        self.assertEqual(attacker.get("/index").status_code, 302)

    def test_a_cookie_copied_before_sign_out_is_worthless_after(self):
        visitor = self.signed_in()
        copy = visitor.http.cookies.get("session")
        self.assertEqual(visitor.logout().status_code, 302)
        replay = Visitor(stack.url)
        replay.http.cookies.set("session", copy)
        self.assertEqual(replay.get("/index").status_code, 302)

    def test_a_live_token_signed_with_another_key_is_refused(self):
        visitor = self.signed_in()
        cookie = visitor.http.cookies.get("session")
        token = unb64(cookie.split(".")[1])
        with open(os.path.join(stack.var_dir, "secrets", "secret_key"), "rb") as f:
            key = f.read().strip()
        self.assertEqual(sign(key, "session", token), cookie, "the test signs as the site does")
        for kid in (None, key_id(key)):  # another key's id, and the site's own
            forged = Visitor(stack.url)
            forged.http.cookies.set("session", sign(b"0" * 64, "session", token, kid=kid))
            self.assertEqual(forged.get("/index").status_code, 302)
        genuine = Visitor(stack.url)
        genuine.http.cookies.set("session", cookie)
        self.assertEqual(genuine.get("/index").status_code, 200)

    def test_head_and_unknown_methods_get_clean_answers(self):
        visitor = self.signed_in()
        for path in pages() + ["/static/style.css", "/nothing"]:
            for method in ("HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"):
                with self.subTest(path=path, method=method):
                    answer = visitor.http.request(method, stack.url + path, allow_redirects=False, timeout=30)
                    self.assert_clean(answer)
                    if method == "HEAD":
                        self.assertEqual(answer.content, b"")

    def test_an_unknown_user_costs_the_same_time_as_a_wrong_password(self):
        def sign_in_time(username):
            visitor = Visitor(stack.url)
            data = {"csrf_token": visitor.csrf_token("/login"), "username": username, "password": "wrong"}
            start = time.monotonic()
            answer = visitor.post("/login", data)
            elapsed = time.monotonic() - start
            # A failed sign-in goes back to the form with "Invalid username or password".
            self.assertTrue(answer.headers.get("Location", "").startswith("/login"), answer.status_code)
            return elapsed

        # Taken in turns, so a load on the machine that comes and goes weighs on both alike.
        nobody = unique_name("nobody")
        rounds = [(sign_in_time(self.name), sign_in_time(nobody)) for _ in range(9)]
        known = statistics.median(pair[0] for pair in rounds)
        unknown = statistics.median(pair[1] for pair in rounds)
        # Both verify one hash; a skipped hash would be many times faster. Wide bounds for noise.
        self.assertLess(max(known, unknown) / min(known, unknown), 2.0, (known, unknown))


if __name__ == "__main__":
    unittest.main()

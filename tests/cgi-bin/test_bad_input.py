#!/usr/bin/python3
"""Bad input to the form pages: races, odd bytes, odd lengths, odd bodies and methods. Never a 5xx,
never anything stored, never a changed sign-in state."""
import os
import re
import socket
import sys
import threading
import unittest

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-bad-input", workers=4)

RACERS = 8


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def user_count():
    return int(stack.sql("SELECT COUNT(*) FROM users")[0][0])


def accounts_named(name):
    return int(stack.sql("SELECT COUNT(*) FROM users WHERE username_key = LOWER('%s')" % name)[0][0])


def accounts_with_email(email):
    return int(stack.sql("SELECT COUNT(*) FROM users WHERE email_key = LOWER('%s')" % email)[0][0])


class BadInputTestCase(unittest.TestCase):
    def setUp(self):
        self.users_before = user_count()

    def assert_nothing_stored(self):
        self.assertEqual(user_count(), self.users_before)

    def assert_no_server_error(self, answer):
        self.assertLess(answer.status_code, 500, "%s %s" % (answer.request.method, answer.request.url))

    def assert_refused_form(self, answer, field=None):
        """A 400, or the form again (200) with an error by `field`."""
        self.assert_no_server_error(answer)
        self.assertIn(answer.status_code, (200, 400))
        if answer.status_code == 200:
            self.assertIn('class="field-error" id="%s-error"' % field, answer.text)


class RaceTest(BadInputTestCase):
    def race(self, forms):
        """Posts each registration form at once from its own visitor; returns the answers."""
        visitors = [Visitor(stack.url) for _ in forms]
        tokens = [visitor.csrf_token("/register") for visitor in visitors]
        barrier = threading.Barrier(len(forms))
        answers = [None] * len(forms)

        def run(i):
            barrier.wait()
            answers[i] = visitors[i].post("/register", dict(forms[i], csrf_token=tokens[i]))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(forms))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertTrue(all(answers), "a registration got no answer")
        return answers

    def assert_one_winner(self, answers, message):
        statuses = sorted(answer.status_code for answer in answers)
        self.assertEqual(statuses, [200] * (len(answers) - 1) + [302], statuses)
        for answer in answers:
            if answer.status_code == 200:
                self.assertIn(message, answer.text)

    def test_registrations_racing_for_one_username_make_one_account(self):
        name = unique_name("race")
        forms = [{"username": name, "email": "%s-%d@example.com" % (name, i), "password": "correct horse",
                  "password2": "correct horse"} for i in range(RACERS)]
        self.assert_one_winner(self.race(forms), "Please use a different username.")
        self.assertEqual(accounts_named(name), 1)
        self.assertEqual(user_count(), self.users_before + 1)

    def test_registrations_racing_for_one_username_in_different_cases_make_one_account(self):
        name = unique_name("case")
        spellings = [name, name.upper(), name.capitalize(), name.swapcase()]
        forms = [{"username": spellings[i % len(spellings)], "email": "%s-%d@example.com" % (name, i),
                  "password": "correct horse", "password2": "correct horse"} for i in range(RACERS)]
        self.assert_one_winner(self.race(forms), "Please use a different username.")
        self.assertEqual(accounts_named(name), 1)

    def test_registrations_racing_for_one_email_make_one_account(self):
        email = "%s@example.com" % unique_name("racemail")
        forms = [{"username": unique_name("racer"), "email": email, "password": "correct horse",
                  "password2": "correct horse"}
                 for _ in range(RACERS)]
        self.assert_one_winner(self.race(forms), "Please use a different email address.")
        self.assertEqual(accounts_with_email(email), 1)
        self.assertEqual(user_count(), self.users_before + 1)


class OddFieldTest(BadInputTestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = unique_name("odd")
        assert Visitor(stack.url).register(cls.name, password="the password").status_code == 302

    def register(self, **fields):
        visitor = Visitor(stack.url)
        name = unique_name("oddreg")
        data = {"csrf_token": visitor.csrf_token("/register"), "username": name, "email": "%s@example.com" % name,
                "password": "correct horse", "password2": "correct horse"}
        data.update(fields)
        return visitor.post("/register", data)

    def login(self, **fields):
        self.visitor = Visitor(stack.url)
        data = {"csrf_token": self.visitor.csrf_token("/login"), "username": self.name, "password": "the password"}
        data.update(fields)
        return self.visitor.post("/login", data)

    def assert_not_signed_in(self, answer):
        self.assertNotIn("session", answer.cookies)
        self.assertEqual(self.visitor.get("/index").status_code, 302)

    def test_overlong_fields_at_register(self):
        for field, value in (("username", "u" * 10240), ("email", "e" * 10000 + "@example.com"),
                             ("csrf_token", "c" * 10240)):
            with self.subTest(field=field):
                answer = self.register(**{field: value})
                self.assert_no_server_error(answer)
                self.assertIn(answer.status_code, (200, 400))
                self.assertNotEqual(answer.status_code, 302)
                self.assert_nothing_stored()
        # Both passwords in one body must stay under nginx's 16 KiB.
        answer = self.register(password="p" * 6000, password2="p" * 6000)
        self.assert_refused_form(answer, "password")
        self.assert_nothing_stored()

    def test_large_forms_always_get_their_answer(self):
        # A body of several FastCGI records: the worker must read the request to its end before
        # it closes, or the unread rest resets the connection and nginx loses the answer (502).
        visitor = Visitor(stack.url)
        token = visitor.csrf_token("/register")
        statuses = {}
        for _ in range(150):
            answer = visitor.post("/register", {"csrf_token": token, "username": "u" * 12000,
                                                "email": "x@example.com", "password": "pw",
                                                "password2": "pw"})
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        self.assertEqual(statuses, {200: 150})

    def test_overlong_fields_at_sign_in(self):
        for field, value in (("username", self.name + "u" * 10240), ("password", "p" * 10240),
                             ("csrf_token", "c" * 10240), ("remember_me", "y" * 10240)):
            with self.subTest(field=field):
                answer = self.login(**{field: value})
                self.assert_no_server_error(answer)
                self.assertIn(answer.status_code, (200, 400))
                self.assert_not_signed_in(answer)

    def test_a_password_libxcrypt_cannot_take_is_a_failed_sign_in_not_an_error(self):
        for length in (512, 1024):
            with self.subTest(length=length):
                answer = self.login(password="p" * length)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/login")
                self.assert_not_signed_in(answer)

    def test_invalid_utf8_and_nul_bytes_at_register(self):
        for field, value in (("username", b"bad\xffname"), ("username", b"bad\x00name"),
                             ("email", b"bad\xff@example.com"), ("email", b"bad\x00@example.com")):
            with self.subTest(field=field, value=value):
                self.assert_refused_form(self.register(**{field: value}), field)
                self.assert_nothing_stored()
        for value in (b"pw\xff", b"pw\x00tail", b"\x00"):
            with self.subTest(field="password", value=value):
                self.assert_refused_form(self.register(password=value, password2=value), "password")
                self.assert_nothing_stored()

    def test_invalid_utf8_and_nul_bytes_at_sign_in(self):
        for field, value in (("username", self.name.encode() + b"\xff"), ("username", self.name.encode() + b"\x00"),
                             ("username", b"\x00" + self.name.encode()),
                             ("password", b"the password\x00"), ("password", b"the password\xff"),
                             ("password", b"the\x00password")):
            with self.subTest(field=field, value=value):
                answer = self.login(**{field: value})
                self.assert_refused_form(answer, field)
                self.assert_not_signed_in(answer)

    def test_a_field_sent_twice_is_refused(self):
        visitor = Visitor(stack.url)
        token = visitor.csrf_token("/login")
        for path, extra in (("/login", [("username", "a"), ("username", "b")]),
                            ("/login", [("username", self.name), ("UserName", self.name)]),
                            ("/login", [("username", self.name), ("password", "the password"),
                                        ("password", "the password")]),
                            ("/register", [("username", "dup1"), ("username", "dup2"), ("email", "dup@example.com"),
                                           ("password", "pw"), ("password2", "pw")]),
                            ("/register", [("csrf_token", token)])):
            with self.subTest(path=path, fields=extra):
                answer = visitor.post(path, [("csrf_token", token)] + extra)
                self.assertEqual(answer.status_code, 400)
                self.assertNotIn("session", answer.cookies)
                self.assert_nothing_stored()
        self.assertEqual(visitor.get("/index").status_code, 302)

    def test_a_field_in_both_query_and_body_is_refused(self):
        answer = Visitor(stack.url).get("/login?next=/a&next=/b")
        self.assertEqual(answer.status_code, 400)
        visitor = Visitor(stack.url)
        answer = visitor.post("/login?username=" + self.name, {"csrf_token": visitor.csrf_token("/login"),
                                                              "username": self.name, "password": "the password"})
        self.assert_no_server_error(answer)
        self.assertNotEqual(answer.status_code, 302)
        self.assertEqual(visitor.get("/index").status_code, 302)

    def test_a_body_that_is_not_url_encoded_pairs_signs_nobody_in(self):
        visitor = Visitor(stack.url)
        token = visitor.csrf_token("/login")
        for body in ("&&&", "=", "==&=", "%", "%zz", "username", "csrf_token=%s&username=%s&password=%%" % (
                token, self.name)):
            with self.subTest(body=body):
                answer = visitor.post("/login", body,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
                self.assert_no_server_error(answer)
                self.assertNotIn("session", answer.cookies)
                self.assertNotEqual(answer.headers.get("Location"), "/index")
        self.assertEqual(visitor.get("/index").status_code, 302)


class ContentTypeTest(BadInputTestCase):
    def test_a_body_that_is_not_a_form_is_refused(self):
        visitor = Visitor(stack.url)
        name = unique_name("ctype")
        fields = {"csrf_token": visitor.csrf_token("/register"), "username": name, "email": "%s@example.com" % name,
                  "password": "pw", "password2": "pw"}
        for kind, kwargs in (("json", {"json": fields}),
                             ("multipart", {"files": {k: (None, v) for k, v in fields.items()}}),
                             ("text/plain", {"data": "&".join("%s=%s" % kv for kv in fields.items()),
                                             "headers": {"Content-Type": "text/plain"}}),
                             ("xml", {"data": "<x/>", "headers": {"Content-Type": "application/xml"}})):
            for path in ("/register", "/login"):
                with self.subTest(kind=kind, path=path):
                    answer = visitor.post(path, **kwargs)
                    self.assertGreaterEqual(answer.status_code, 400)
                    self.assertLess(answer.status_code, 500)
                    self.assertNotIn("session", answer.cookies)
        self.assertEqual(accounts_named(name), 0)
        self.assert_nothing_stored()

    def test_a_sign_out_that_is_not_a_form_is_refused(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("ctypeout")
        token = visitor.csrf_token("/index")
        for kwargs in ({"json": {"csrf_token": token}}, {"files": {"csrf_token": (None, token)}},
                       {"data": "csrf_token=" + token, "headers": {"Content-Type": "text/plain"}}):
            answer = visitor.post("/logout", **kwargs)
            self.assertGreaterEqual(answer.status_code, 400)
            self.assertLess(answer.status_code, 500)
            self.assertIn("Hi, %s!" % name, visitor.get("/index").text)


class RawHttpTest(BadInputTestCase):
    """Requests a library would not send, written to the socket as they are."""

    def exchange(self, request, close_write):
        with socket.create_connection(("127.0.0.1", stack.port), timeout=15) as conn:
            conn.sendall(request)
            if close_write:
                conn.shutdown(socket.SHUT_WR)
            received = b""
            try:
                while True:
                    data = conn.recv(65536)
                    if not data:
                        break
                    received += data
            except (socket.timeout, ConnectionResetError):
                pass
        return [int(code) for code in re.findall(rb"^HTTP/1\.[01] (\d{3})", received, re.M)]

    def login_request(self, headers, body, version=b"HTTP/1.1"):
        visitor = Visitor(stack.url)
        token = visitor.csrf_token("/login")
        cookie = "presession=" + visitor.http.cookies["presession"]
        self.name = unique_name("raw")
        Visitor(stack.url).register(self.name)
        self.users_before = user_count()
        form = body if body is not None else "csrf_token=%s&username=%s&password=correct+horse" % (token, self.name)
        head = b"POST /login " + version + b"\r\nHost: 127.0.0.1\r\nCookie: " + cookie.encode() + \
            b"\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        return head + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + form.encode(), len(form)

    def assert_no_5xx(self, statuses):
        self.assertEqual([s for s in statuses if s >= 500], [], statuses)
        # And the site still answers.
        self.assertEqual(requests.get(stack.url + "/login", timeout=30).status_code, 200)
        self.assert_nothing_stored()

    def test_a_content_length_larger_than_the_body(self):
        request, length = self.login_request([b"Content-Length: %d" % 500], None)
        statuses = self.exchange(request, close_write=True)
        self.assert_no_5xx(statuses)
        self.assertTrue(all(400 <= s < 500 for s in statuses), statuses)

    def test_a_content_length_that_is_not_a_number(self):
        for value in (b"abc", b"-1", b"1e3", b"0x10", b" ", b"99999999999999999999999"):
            with self.subTest(value=value):
                request, _ = self.login_request([b"Content-Length: " + value, b"Connection: close"], None)
                statuses = self.exchange(request, close_write=False)
                self.assert_no_5xx(statuses)
                self.assertTrue(statuses and all(400 <= s < 500 for s in statuses), statuses)

    def test_two_different_content_lengths(self):
        request, length = self.login_request([b"Content-Length: %d" % length for length in (5, 6)]
                                             + [b"Connection: close"], None)
        statuses = self.exchange(request, close_write=False)
        self.assert_no_5xx(statuses)
        self.assertTrue(statuses and all(400 <= s < 500 for s in statuses), statuses)

    def test_a_missing_content_length_signs_nobody_in(self):
        for version in (b"HTTP/1.1", b"HTTP/1.0"):
            with self.subTest(version=version):
                request, _ = self.login_request([b"Connection: close"], None, version)
                statuses = self.exchange(request, close_write=False)
                self.assert_no_5xx(statuses)
                self.assertTrue(statuses and all(400 <= s < 500 for s in statuses), statuses)

    def test_a_content_length_shorter_than_the_body_signs_nobody_in(self):
        request, length = self.login_request([b"Content-Length: 20", b"Connection: close"], None)
        statuses = self.exchange(request, close_write=False)
        self.assert_no_5xx(statuses)
        self.assertNotIn(302, statuses)

    def test_content_length_together_with_chunked(self):
        request, _ = self.login_request([b"Content-Length: 3", b"Transfer-Encoding: chunked", b"Connection: close"],
                                        "0\r\n\r\n")
        statuses = self.exchange(request, close_write=False)
        self.assert_no_5xx(statuses)
        self.assertNotIn(302, statuses)

    def test_a_broken_chunked_body(self):
        request, _ = self.login_request([b"Transfer-Encoding: chunked", b"Connection: close"], "zz\r\nabc")
        statuses = self.exchange(request, close_write=False)
        self.assert_no_5xx(statuses)
        self.assertTrue(statuses and all(400 <= s < 500 for s in statuses), statuses)


class MethodTest(BadInputTestCase):
    def test_methods_a_page_does_not_take_are_405(self):
        for method, path in (("PUT", "/login"), ("DELETE", "/login"), ("PATCH", "/login"), ("PUT", "/register"),
                             ("DELETE", "/register"), ("OPTIONS", "/login")):
            with self.subTest(method=method, path=path):
                answer = requests.request(method, stack.url + path, data={"username": "x"}, timeout=30,
                                          allow_redirects=False)
                self.assertEqual(answer.status_code, 405)
                self.assertIn("GET", answer.headers.get("Allow", ""))
                self.assertIn("POST", answer.headers.get("Allow", ""))

    def test_post_to_the_home_page_is_405_for_a_signed_in_user(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("postindex")
        for path in ("/index", "/"):
            with self.subTest(path=path):
                answer = visitor.post(path, {"csrf_token": visitor.csrf_token("/index")})
                self.assertEqual(answer.status_code, 405)
        answer = visitor.http.delete(stack.url + "/logout", timeout=30, allow_redirects=False)
        self.assertEqual(answer.status_code, 405)
        self.assertIn("Hi, %s!" % name, visitor.get("/index").text)

    def test_post_to_the_home_page_by_a_visitor_is_no_server_error(self):
        # What the code does: nginx asks a visitor to sign in before the method is looked at.
        answer = requests.post(stack.url + "/index", data={"a": "b"}, timeout=30, allow_redirects=False)
        self.assertIn(answer.status_code, (302, 405))

    def test_trace_is_refused(self):
        answer = requests.request("TRACE", stack.url + "/login", timeout=30, allow_redirects=False)
        self.assertGreaterEqual(answer.status_code, 400)
        self.assertLess(answer.status_code, 500)


class LongUrlTest(BadInputTestCase):
    """Long addresses are a client's doing: an answer, never a server error."""

    LONG_QUERY = "x=" + "a" * 1500
    LONG_ESCAPES = "x=" + "%25" * 1500

    def test_a_protected_page_with_a_long_query_redirects_a_visitor(self):
        for query in (self.LONG_QUERY, self.LONG_ESCAPES):
            for cookie in ("", "session=stale.value"):
                with self.subTest(query=query[:8], cookie=cookie):
                    answer = requests.get(stack.url + "/index?" + query, headers={"Cookie": cookie},
                                          timeout=30, allow_redirects=False)
                    self.assertEqual(answer.status_code, 302)
                    self.assertTrue(answer.headers["Location"].startswith("/login?next=%2Findex%3Fx%3D"))

    def test_a_protected_page_with_a_long_query_is_shown_to_a_user(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("longurl")
        for query in (self.LONG_QUERY, self.LONG_ESCAPES):
            with self.subTest(query=query[:8]):
                page = visitor.get("/index?" + query)
                self.assertEqual(page.status_code, 200)
                self.assertIn("Hi, %s!" % name, page.text)

    def test_a_failed_sign_in_with_a_long_next_goes_back_to_the_form(self):
        for next_path in ("%" * 1500, "/index?" + "a" * 1500):
            with self.subTest(next=next_path[:8]):
                visitor = Visitor(stack.url)
                answer = visitor.login(unique_name("nobody"), "wrong password", next_path=next_path)
                self.assertEqual(answer.status_code, 302)
                self.assertTrue(answer.headers["Location"].startswith("/login"))


if __name__ == "__main__":
    unittest.main(verbosity=2)

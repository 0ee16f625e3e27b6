#!/usr/bin/python3
"""A form posted from another site is refused even with a valid CSRF token: browsers name the
sending page's origin (Origin) and relation (Sec-Fetch-Site), and core/server/request_policy.cpp checks them."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-cross-site")
PASSWORD = "a passphrase nobody guesses"


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class CrossSiteTest(unittest.TestCase):
    def setUp(self):
        self.name = unique_name("xsite")
        self.assertEqual(Visitor(stack.url).register(self.name, password=PASSWORD).status_code, 302)

    def sign_in(self, headers):
        visitor = Visitor(stack.url)
        data = {"csrf_token": visitor.csrf_token("/login"), "username": self.name, "password": PASSWORD}
        return visitor, visitor.post("/login", data, headers=headers)

    def test_a_sign_in_from_another_origin_is_refused(self):
        for origin in ("http://evil.example", "null", "https://127.0.0.1:%d" % stack.port):
            with self.subTest(origin=origin):
                visitor, answer = self.sign_in({"Origin": origin})
                self.assertEqual(answer.status_code, 403)
                self.assertIn("This form was sent from another site.", answer.text)
                self.assertEqual(visitor.get("/index").status_code, 302)

    def test_a_sign_in_the_browser_calls_cross_site_is_refused(self):
        visitor, answer = self.sign_in({"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(answer.status_code, 403)
        self.assertEqual(visitor.get("/index").status_code, 302)

    def test_a_sign_in_from_this_site_works(self):
        visitor, answer = self.sign_in({"Origin": stack.url, "Sec-Fetch-Site": "same-origin"})
        self.assertEqual((answer.status_code, answer.headers.get("Location")), (302, "/index"))
        self.assertEqual(visitor.get("/index").status_code, 200)

    def test_a_sign_out_from_another_site_leaves_the_user_signed_in(self):
        visitor, answer = self.sign_in({})
        self.assertEqual(answer.status_code, 302)
        token = visitor.csrf_token("/index")
        refused = visitor.post("/logout", {"csrf_token": token}, headers={"Origin": "http://evil.example"})
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(visitor.get("/index").status_code, 200)


if __name__ == "__main__":
    unittest.main()

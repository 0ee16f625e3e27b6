#!/usr/bin/python3
"""The password reset journey through the real mailer and a real SMTP server on loopback
(tests/support/smtp_server.py): from the sign-in page's link, through the mail as the server
received it, to signing in with the new password; and the password-changed notice arriving."""
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from smtp_server import SmtpServer, free_port  # noqa: E402
from stack import Stack  # noqa: E402

SMTP_PORT = free_port()
smtp = SmtpServer(port=SMTP_PORT)
stack = Stack("cgi-bin-password-reset-mail", config={"mail_transport": "smtp", "smtp_host": "127.0.0.1",
                                                    "smtp_port": SMTP_PORT, "mail_retry_seconds": 1})


def setUpModule():
    smtp.start()
    unittest.addModuleCleanup(smtp.stop)
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class JourneyTest(unittest.TestCase):
    def test_from_the_sign_in_page_through_the_mail_to_signing_in(self):
        name = unique_name("journey")
        address = name + "@example.com"
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        visitor = Visitor(stack.url)
        login = visitor.get("/login")
        request_path = re.search(r'<a href="([^"]+)">Click to Reset It</a>', login.text).group(1)
        form = visitor.get(request_path)
        answer = visitor.post(request_path, {"csrf_token": CSRF_PATTERN.search(form.text).group(1),
                                             "email": address})
        self.assertEqual(answer.headers.get("Location"), "/login")

        mail = smtp.wait_for(lambda m: address in m.to and "Reset Your Password" in m.message["Subject"])
        self.assertEqual(mail.message["Subject"], "[Microblog] Reset Your Password")
        link = re.search(r"(\S+/reset_password/[A-Za-z0-9_-]{43})\s", mail.body).group(1)
        self.assertTrue(link.startswith(stack.url + "/reset_password/"), link)
        path = urllib.parse.urlsplit(link).path

        page = visitor.get(path)
        self.assertIn("<h1>Reset Your Password</h1>", page.text)
        answer = visitor.post(path, {"csrf_token": CSRF_PATTERN.search(page.text).group(1),
                                     "password": "reset through the mail", "password2": "reset through the mail"})
        self.assertEqual(answer.headers.get("Location"), "/login")
        self.assertEqual(visitor.flashes(visitor.get("/login").text), ["Your password has been reset."])
        self.assertEqual(Visitor(stack.url).login(name, "reset through the mail").headers.get("Location"), "/index")
        self.assertEqual(Visitor(stack.url).login(name).headers.get("Location"), "/login")

        notice = smtp.wait_for(lambda m: address in m.to and "changed" in m.message["Subject"])
        self.assertEqual(notice.message["Subject"], "[Microblog] Your password was changed")
        self.assertNotIn("/reset_password/", notice.body)
        self.assertEqual(visitor.get(path).status_code, 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)

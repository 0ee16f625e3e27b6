#!/usr/bin/python3
"""The security headers (nginx/security-headers.conf) on every kind of response: the programs'
pages, redirects and error pages, nginx's redirect to the sign-in page, static files and nginx's
own error pages. Each header exactly once, a charset on every text type, no server version,
no-store on what may carry a visitor's data; and pages that need nothing the policy forbids."""
import glob
import os
import re
import socket
import sys
import unittest

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import Visitor  # noqa: E402
from expected_headers import header_problems  # noqa: E402
from routes import pages, signed_in_view  # noqa: E402
from stack import REPO_DIR, Stack  # noqa: E402

stack = Stack("nginx-security-headers")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def raw_exchange(request):
    """Sends bytes as they are; returns (status, headers as a getlist function, body)."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as conn:
        conn.sendall(request)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
    head, _, body = reply.decode(errors="replace").partition("\r\n\r\n")
    lines = head.split("\r\n")
    pairs = [line.split(":", 1) for line in lines[1:]]

    def getlist(name):
        return [value.strip() for key, value in pairs if key.strip().lower() == name.lower()]
    return int(lines[0].split()[1]), getlist, body


class SecurityHeadersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.user = Visitor(stack.url)
        cls.user.signed_up_and_in("headers")

    def check(self, what, answer, status, no_store):
        with self.subTest(what=what):
            self.assertEqual(answer.status_code, status)
            self.assertEqual(header_problems(answer.status_code, answer.raw.headers.getlist, no_store), [])

    def test_the_programs_pages_and_redirects(self):
        visitor = Visitor(stack.url)
        self.check("the sign-in form", visitor.get("/login"), 200, True)
        self.check("the registration form", visitor.get("/register"), 200, True)
        self.check("HEAD of the sign-in form", requests.head(stack.url + "/login", timeout=30), 200, True)
        self.check("the signed-in home page", self.user.get("/index"), 200, True)
        self.check("the signed-in home page at /", self.user.get("/"), 200, True)
        self.check("the sign-out form", self.user.get("/logout"), 200, True)
        self.check("a visitor on the sign-out page, sent home", visitor.get("/logout"), 302, True)
        other = Visitor(stack.url)
        name = other.signed_up_and_in("redirected")
        self.check("the redirect after signing in", Visitor(stack.url).login(name), 302, True)
        self.check("the redirect after signing out", other.logout(), 302, True)

    def test_the_programs_error_pages(self):
        visitor = Visitor(stack.url)
        self.check("a form without its token (400)", visitor.post("/login", {"username": "x"}), 400, True)
        self.check("a method the route refuses (405)", visitor.http.put(stack.url + "/register", timeout=30),
                   405, True)

    def test_nginx_redirects_to_the_sign_in_page(self):
        visitor = Visitor(stack.url)
        self.check("a visitor on the home page", visitor.get("/index?a=1"), 302, True)
        self.check("a session that is over (the program's 401)",
                   visitor.get("/index", headers={"Cookie": "session=" + "A" * 43 + "." + "B" * 43}), 302, True)

    def test_static_files(self):
        visitor = Visitor(stack.url)
        style = visitor.get("/static/style.css")
        self.check("the stylesheet", style, 200, False)
        self.assertEqual(style.headers["Content-Type"], "text/css; charset=utf-8")
        self.check("the stylesheet, not modified",
                   visitor.get("/static/style.css", headers={"If-Modified-Since": style.headers["Last-Modified"]}),
                   304, False)
        self.check("the favicon", visitor.get("/favicon.ico"), 200, False)

    def test_nginx_error_pages(self):
        visitor = Visitor(stack.url)
        self.check("an unknown address (404)", visitor.get("/no-such-page"), 404, True)
        self.check("a missing static file (404)", visitor.get("/static/none.css"), 404, True)
        self.check("an internal location (404)", visitor.get("/errors/404.html"), 404, True)
        self.check("a folder (403)", visitor.get("/static/"), 403, True)
        self.check("a POST to a static file (405)", visitor.post("/static/style.css", {"a": "1"}), 405, True)
        self.check("a body over 16 KiB (413)", visitor.post("/register", {"pad": "x" * 17000}), 413, True)
        status, getlist, body = raw_exchange(b"GET /login HTTP/1.1\r\nHost: localhost\r\nHost: again\r\n\r\n")
        with self.subTest(what="a garbage request (400)"):
            self.assertEqual(status, 400)
            self.assertEqual(header_problems(status, getlist, True), [])
            self.assertIn("<h1>400: Bad Request</h1>", body)

    def test_a_program_that_is_not_there_gets_the_502_page_with_the_headers(self):
        sock = os.path.join(stack.var_dir, "run", "index.sock")
        os.rename(sock, sock + ".away")
        try:
            answer = self.user.get("/index")
        finally:
            os.rename(sock + ".away", sock)
        self.check("a missing program on a protected page (502)", answer, 502, True)
        self.assertIn("<h1>502: Bad Gateway</h1>", answer.text)

    def test_no_server_version_anywhere(self):
        for path in ("/login", "/no-such-page", "/static/style.css"):
            with self.subTest(path=path):
                answer = Visitor(stack.url).get(path)
                self.assertEqual(answer.headers.get("Server"), "nginx")
                self.assertNotRegex(answer.text, r"nginx/\d")


class PagesWithinThePolicyTest(unittest.TestCase):
    """The policy forbids inline script and style and anything from elsewhere: the pages must
    need none of it, or a browser would show them broken."""

    def test_templates_and_error_pages_have_no_inline_script_or_style(self):
        files = glob.glob(os.path.join(REPO_DIR, "templates", "*.tpl")) + \
            glob.glob(os.path.join(REPO_DIR, "static", "errors", "*.html"))
        self.assertGreater(len(files), 10)
        for path in files:
            with open(path) as f:
                text = f.read()
            with self.subTest(file=os.path.relpath(path, REPO_DIR)):
                # A script may only be a file of our own, with nothing inside the element.
                outside_scripts = re.sub(r'<script src="/static/[a-z-]+\.js" defer></script>', "", text)
                self.assertNotRegex(outside_scripts,
                                    r"(?i)<script|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:")

    def test_pages_load_only_resources_of_the_site(self):
        member = Visitor(stack.url)
        member.signed_up_and_in("resources")
        # Every page of the route table as its audience sees it, and nginx's own 404.
        viewers = [(path, member if signed_in_view(path) else Visitor(stack.url)) for path in pages(method="GET")]
        # The passkey pages, opened at another address of the site, link to its passkeys' origin.
        with open(os.path.join(stack.var_dir, "microblog.conf")) as f:
            origin = re.search(r"^webauthn_origin = (\S+)$", f.read(), re.M).group(1)
        for path, viewer in viewers + [("/no-such-page", member)]:
            with self.subTest(path=path):
                page = viewer.get(path, allow_redirects=True)
                for url in re.findall(r'(?:src|href|action)="([^"]*)"', page.text):
                    self.assertRegex(url, r"^(/(?!/)|%s/)" % re.escape(origin), "%s refers to %s" % (path, url))


if __name__ == "__main__":
    unittest.main(verbosity=2)

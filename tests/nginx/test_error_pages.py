#!/usr/bin/python3
"""nginx's own error pages (static/errors/, nginx/microblog.conf): one look, valid HTML, and the
real failures that produce them, from a garbage request to a database that stops answering."""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unittest

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor  # noqa: E402
from stack import REPO_DIR, Stack  # noqa: E402

ERRORS_DIR = os.path.join(REPO_DIR, "static", "errors")
STATUSES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            413: "Content Too Large", 414: "URI Too Long", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}

stack = Stack("nginx-error-pages")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def expand_ssi(path):
    """What nginx's SSI makes of an error page: its set/echo/include-virtual subset."""
    variables = {}

    def expand(text):
        out = []
        for part in re.split(r"(<!--#.*?-->)", text, flags=re.S):
            command = re.match(r'<!--#\s*(\w+)\s+(\w+)="([^"]*)"(?:\s+value="([^"]*)")?\s*-->', part)
            if not command:
                out.append(part)
            elif command.group(1) == "set":
                variables[command.group(3)] = command.group(4)
            elif command.group(1) == "echo":
                out.append(variables[command.group(3)])
            elif command.group(1) == "include":
                with open(os.path.join(ERRORS_DIR, os.path.basename(command.group(3)))) as f:
                    out.append(expand(f.read()))
        return "".join(out)

    with open(path) as f:
        return expand(f.read())


def tidy_problems(html):
    result = subprocess.run(["tidy", "-q", "-e"], input=html, capture_output=True, text=True)
    return "" if result.returncode == 0 else result.stderr


class ErrorPageFilesTest(unittest.TestCase):
    def test_every_status_has_a_valid_page_in_the_site_look(self):
        for status, title in STATUSES.items():
            with self.subTest(status=status):
                html = expand_ssi(os.path.join(ERRORS_DIR, "%d.html" % status))
                self.assertEqual(tidy_problems(html), "")
                self.assertIn("<title>%s - Microblog</title>" % title, html)
                self.assertIn("<h1>%d: %s</h1>" % (status, title), html)
                self.assertIn('<link rel="stylesheet" href="/static/style.css">', html)
                self.assertIn("Microblog:", html)

    def test_nginx_maps_every_status_to_its_page_everywhere(self):
        def read(name):
            with open(os.path.join(REPO_DIR, "nginx", name)) as f:
                return f.read()
        # A location with an error_page of its own inherits none of the server's: each must
        # include the map again.
        for name in ("microblog.conf", "protected-page.conf"):
            self.assertIn("include @CONF_DIR@/error-pages.conf;", read(name))
        config = read("error-pages.conf")
        for status in STATUSES:
            with self.subTest(status=status):
                self.assertRegex(config, r"error_page [0-9 ]*\b%d\b[0-9 ]* /errors/%d\.html;" % (status, status))


class RealFailuresTest(unittest.TestCase):
    def assert_error_page(self, answer_status, body, status):
        self.assertEqual(answer_status, status)
        self.assertIn("<h1>%d: %s</h1>" % (status, STATUSES[status]), body)
        self.assertNotIn("<!--#", body)
        self.assertNotIn("nginx", body.lower())

    def test_a_header_too_large_for_nginx_gets_the_400_page(self):
        answer = requests.get(stack.url + "/index", headers={"Cookie": "session=" + "A" * 20000},
                              allow_redirects=False, timeout=30)
        self.assert_error_page(answer.status_code, answer.text, 400)

    def test_an_address_too_long_for_nginx_gets_the_414_page(self):
        answer = requests.get(stack.url + "/index?" + "a" * 9000, allow_redirects=False, timeout=30)
        self.assert_error_page(answer.status_code, answer.text, 414)

    def test_a_garbage_request_gets_the_400_page(self):
        with socket.create_connection(("127.0.0.1", stack.port), timeout=10) as conn:
            conn.sendall(b"GET /login HTTP/1.1\r\nHost: localhost\r\nHost: again\r\n\r\n")
            reply = b""
            while chunk := conn.recv(65536):
                reply += chunk
        head, _, body = reply.decode(errors="replace").partition("\r\n\r\n")
        self.assert_error_page(int(head.split()[1]), body, 400)

    def test_a_folder_gets_the_403_page(self):
        answer = Visitor(stack.url).get("/static/")
        self.assert_error_page(answer.status_code, answer.text, 403)

    def test_a_program_that_is_not_there_gets_the_502_page(self):
        sock = os.path.join(stack.var_dir, "run", "login.sock")
        os.rename(sock, sock + ".away")
        try:
            answer = Visitor(stack.url).get("/login")
        finally:
            os.rename(sock + ".away", sock)
        self.assert_error_page(answer.status_code, answer.text, 502)
        self.assertEqual(Visitor(stack.url).get("/login").status_code, 200)

    def test_a_database_that_stops_answering_gets_an_error_page_then_recovers(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("frozen")
        with open(os.path.join(stack.var_dir, "run", "mysqld.pid")) as f:
            mariadb = int(f.read())
        os.kill(mariadb, signal.SIGSTOP)
        try:
            started = time.monotonic()
            answer = visitor.get("/index", timeout=60)
            waited = time.monotonic() - started
        finally:
            os.kill(mariadb, signal.SIGCONT)
        # The session check gives up after db_timeout_seconds and the program answers 503, for
        # which nginx serves its page.
        self.assert_error_page(answer.status_code, answer.text, 503)
        self.assertLess(waited, 55, "the database call was not bounded by its timeout")
        # The worker tries the database again a second after it failed (core/db/database.cpp).
        deadline = time.monotonic() + 10
        home = visitor.get("/index")
        while home.status_code == 503 and time.monotonic() < deadline:
            time.sleep(0.2)
            home = visitor.get("/index")
        self.assertEqual(home.status_code, 200)
        self.assertIn("Hi, %s!" % name, home.text)


if __name__ == "__main__":
    unittest.main(verbosity=2)

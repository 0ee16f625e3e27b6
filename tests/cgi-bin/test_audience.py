#!/usr/bin/python3
"""Audience (core/server/server.h) as the programs enforce it on their own: with nginx's
protected-page.conf taken out of every location, a visitor still never reaches a signed-in page."""
import os
import re
import signal
import sys
import time
import unittest
from urllib.parse import quote

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-audience")
SIGNED_IN_PAGES = []  # the paths whose location included protected-page.conf
LOGIN_NOTICE = "Please log in to access this page."


def without_nginx_protection():
    """Every protected-page.conf include of the stack's nginx made public-page.conf, then nginx
    reloaded; returns the paths of the locations that had it."""
    conf_path = os.path.join(stack.var_dir, "nginx", "conf", "microblog.conf")
    with open(conf_path) as f:
        conf = f.read()
    paths = re.findall(r"location = (\S+) \{\n\s*include \S*/protected-page\.conf;", conf)
    with open(conf_path, "w") as f:
        f.write(conf.replace("/protected-page.conf;", "/public-page.conf;"))
    with open(os.path.join(stack.var_dir, "run", "nginx.pid")) as f:
        os.kill(int(f.read()), signal.SIGHUP)
    return paths


def nginx_answers_visitors():
    """Whether nginx still sends a visitor of /index away itself (its redirect sets the notice cookie)."""
    return "notice" in Visitor(stack.url).get("/index").cookies


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()
    if not nginx_answers_visitors():
        raise AssertionError("nginx did not answer a visitor of /index before the change")
    SIGNED_IN_PAGES.extend(without_nginx_protection())
    deadline = time.monotonic() + 20
    while nginx_answers_visitors():
        if time.monotonic() > deadline:
            raise AssertionError("nginx did not take the configuration without protected-page.conf")
        time.sleep(0.2)


class ProgramsKeepVisitorsOutTest(unittest.TestCase):
    def assert_sent_to_login(self, response, path):
        self.assertEqual(response.status_code, 302, "%s: %s" % (path, response.text[:300]))
        self.assertEqual(response.headers["Location"], "/login?next=" + quote(path, safe=""))

    def test_every_signed_in_page_is_known(self):
        self.assertEqual(sorted(SIGNED_IN_PAGES), sorted([
            "/", "/index", "/account", "/account/password", "/account/sessions",
            "/account/two-factor", "/account/passkeys", "/confirm"]))

    def test_a_visitor_is_sent_to_the_login_view_and_told_why(self):
        for path in SIGNED_IN_PAGES:
            with self.subTest(path=path):
                visitor = Visitor(stack.url)
                self.assert_sent_to_login(visitor.get(path), path)
                login = visitor.get(visitor.get(path).headers["Location"])
                self.assertEqual(login.status_code, 200)
                self.assertIn(LOGIN_NOTICE, visitor.flashes(login.text))

    def test_a_query_comes_back_after_signing_in(self):
        visitor = Visitor(stack.url)
        self.assert_sent_to_login(visitor.get("/account/sessions?from=audience"),
                                  "/account/sessions?from=audience")

    def test_a_visitor_post_is_sent_there_too_and_changes_nothing(self):
        for path in SIGNED_IN_PAGES:
            with self.subTest(path=path):
                visitor = Visitor(stack.url)
                response = visitor.post(path, {"csrf_token": visitor.csrf_token("/login"),
                                               "password": "correct horse", "action": "remove"})
                self.assert_sent_to_login(response, path)

    def test_a_cookie_of_a_session_that_ended_is_a_visitor(self):
        user = Visitor(stack.url)
        user.signed_up_and_in("audience")
        copied = dict(user.http.cookies)
        self.assertEqual(user.logout().status_code, 302)
        for path in SIGNED_IN_PAGES:
            with self.subTest(path=path):
                stale = Visitor(stack.url)
                stale.http.cookies.update(copied)
                self.assert_sent_to_login(stale.get(path), path)

    def test_a_signed_in_user_still_reaches_the_pages(self):
        user = Visitor(stack.url)
        name = user.signed_up_and_in("audience")
        home = user.get("/index")
        self.assertEqual(home.status_code, 200)
        self.assertIn("Hi, %s!" % name, home.text)
        self.assertEqual(user.get("/account").status_code, 200)


if __name__ == "__main__":
    unittest.main()

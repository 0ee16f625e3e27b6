#!/usr/bin/python3
"""nginx/: sign-in required for the home page (redirects with `next`), identities clients cannot
claim, body size limit, unknown addresses and static files."""
import base64
import email.utils
import os
import sys
import unittest
import urllib.parse

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from routes import pages  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("nginx-login-required")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def get(path, **kwargs):
    kwargs.setdefault("allow_redirects", False)
    return requests.get(stack.url + path, timeout=30, **kwargs)


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def user_id(name):
    return stack.sql("SELECT id FROM users WHERE username = '%s'" % name)[0][0]


def microblog_headers(response):
    return [name for name in response.headers if "microblog" in name.lower()]


class LoginRequiredTest(unittest.TestCase):
    CASES = [("/", "/login?next=%2F"),
             ("/index", "/login?next=%2Findex"),
             ("/index?a=1&b=2", "/login?next=%2Findex%3Fa%3D1%26b%3D2"),
             ("/?x=1", "/login?next=%2F%3Fx%3D1"),
             ("/index?q=%C3%A9&x=a%26b", "/login?next=%2Findex%3Fq%3D%25C3%25A9%26x%3Da%2526b")]

    def test_a_visitor_is_redirected_to_login_with_the_url_encoded_next(self):
        for path, location in self.CASES:
            with self.subTest(path=path):
                answer = get(path)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], location)
                notice = [c for c in answer.raw.headers.getlist("Set-Cookie") if c.startswith("notice=")]
                self.assertEqual(notice, ["notice=login_required; Path=/; HttpOnly; SameSite=Lax"])
                self.assertEqual(microblog_headers(answer), [])

    def test_a_visitor_whose_session_is_over_gets_the_same_redirect(self):
        # nginx sees a session cookie and asks the program, which finds no live session.
        for cookie in ("session=garbage", "a=1; session=x.y", "session=" + "A" * 43 + "." + "B" * 43):
            for path, location in self.CASES:
                with self.subTest(cookie=cookie, path=path):
                    answer = get(path, headers={"Cookie": cookie})
                    self.assertEqual(answer.status_code, 302)
                    self.assertEqual(answer.headers["Location"], location)
                    self.assertIn("notice=login_required; Path=/; HttpOnly; SameSite=Lax",
                                  answer.raw.headers.getlist("Set-Cookie"))
                    self.assertEqual(microblog_headers(answer), [])

    def test_a_cookie_merely_named_like_the_session_is_no_session(self):
        for cookie in ("xsession=1", "sessionx=1", "my_session=1"):
            with self.subTest(cookie=cookie):
                answer = get("/index", headers={"Cookie": cookie})
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/login?next=%2Findex")

    def test_head_is_redirected_too(self):
        answer = requests.head(stack.url + "/index?a=1&b=2", timeout=30, allow_redirects=False)
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/login?next=%2Findex%3Fa%3D1%26b%3D2")

    def test_the_login_page_says_why_once(self):
        visitor = Visitor(stack.url)
        location = visitor.get("/index?a=1&b=2").headers["Location"]
        page = visitor.get(location)
        self.assertEqual(page.status_code, 200)
        self.assertIn("<title>Sign In - Microblog</title>", page.text)
        self.assertEqual(visitor.flashes(page.text), ["Please log in to access this page."])
        self.assertLess(page.text.index('<ul class="flashes" role="status">'), page.text.index("<h1>Sign In</h1>"))
        self.assertEqual(visitor.flashes(visitor.get(location).text), [])

    def test_a_forged_notice_can_only_show_the_sites_own_sentence(self):
        for value in ("<script>alert(1)</script>", "Please%20log%20in", "flash"):
            with self.subTest(value=value):
                page = get("/login", headers={"Cookie": "notice=" + value})
                self.assertEqual(Visitor(stack.url).flashes(page.text), [])

    def test_signing_in_from_the_redirect_goes_back_to_exactly_the_page_asked_for(self):
        name = unique_name("back")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        for path, _ in self.CASES:
            with self.subTest(path=path):
                visitor = Visitor(stack.url)
                location = visitor.get(path).headers["Location"]
                form = visitor.get(location)
                token = CSRF_PATTERN.search(form.text).group(1)
                # The form has no action: a browser posts it to the page's own URL, query included.
                self.assertRegex(form.text, r'<form method="post" class="stacked-form">')
                answer = visitor.post(location, {"csrf_token": token, "username": name, "password": "correct horse"})
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], path)
                home = visitor.get(answer.headers["Location"])
                self.assertEqual(home.status_code, 200)
                self.assertIn("Hi, %s!" % name, home.text)

    def test_a_browser_following_every_redirect_ends_on_the_page_it_asked_for(self):
        name = unique_name("browser")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        visitor = Visitor(stack.url)
        form = visitor.get("/index?a=1&b=2", allow_redirects=True)
        self.assertEqual(form.url, stack.url + "/login?next=%2Findex%3Fa%3D1%26b%3D2")
        token = CSRF_PATTERN.search(form.text).group(1)
        home = visitor.post(urllib.parse.urlsplit(form.url)._replace(scheme="", netloc="").geturl(),
                            {"csrf_token": token, "username": name, "password": "correct horse"},
                            allow_redirects=True)
        self.assertEqual(home.url, stack.url + "/index?a=1&b=2")
        self.assertIn("Hi, %s!" % name, home.text)

    def test_no_internal_header_reaches_the_client(self):
        visitor = Visitor(stack.url)
        visitor.signed_up_and_in("leak")
        for answer in (visitor.get("/index"), visitor.get("/login"), visitor.get("/logout"),
                       get("/login"), get("/index"), get("/register")):
            with self.subTest(url=answer.url):
                self.assertEqual(microblog_headers(answer), [])


class ClaimedIdentityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.other = unique_name("other")
        assert Visitor(stack.url).register(cls.other, password="other passphrase").status_code == 302
        cls.other_id = user_id(cls.other)

    def claims(self):
        return [{"Authorization": basic("someone", "x")},
                {"Authorization": basic(self.other, "other passphrase")},
                {"X-Microblog-User-Id": "1"},
                {"Microblog-User-Id": "1"},
                {"X-Microblog-User-Id": self.other_id,
                 "X-Microblog-User-Name": self.other.encode().hex(),
                 "X-Microblog-Session": "00" * 32,
                 "X-Microblog-Csrf": "x"},
                {"Microblog_User_Id": "1"},
                {"Remote-User": self.other, "X-Remote-User": self.other, "X-Forwarded-User": self.other}]

    def test_a_visitor_claiming_an_identity_is_still_sent_to_login(self):
        for headers in self.claims():
            with self.subTest(headers=list(headers)):
                answer = get("/index", headers=headers)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/login?next=%2Findex")
                login = get("/login", headers=headers)
                self.assertEqual(login.status_code, 200)
                self.assertIn('<a href="/login">Login</a>', login.text)
                self.assertNotIn('action="/logout"', login.text)
                self.assertEqual(get("/logout", headers=headers).headers.get("Location"), "/index")

    def test_a_signed_in_user_claiming_another_identity_stays_themselves(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("self")
        for headers in self.claims():
            with self.subTest(headers=list(headers)):
                page = visitor.get("/index", headers=headers)
                self.assertEqual(page.status_code, 200)
                self.assertIn("Hi, %s!" % name, page.text)
                self.assertNotIn(self.other, page.text.split("<main>", 1)[1].split("</h1>")[0])

    def test_parameters_in_the_query_string_do_not_sign_anyone_in(self):
        answer = get("/index?MICROBLOG_USER_ID=1&REMOTE_USER=john&user_id=1")
        self.assertEqual(answer.status_code, 302)
        self.assertTrue(answer.headers["Location"].startswith("/login?next="))


class BodySizeTest(unittest.TestCase):
    def test_a_body_over_16_kib_is_refused_with_413(self):
        for path in pages(method="POST"):
            with self.subTest(path=path):
                answer = requests.post(stack.url + path, data={"pad": "x" * (16 * 1024)}, timeout=30,
                                       allow_redirects=False)
                self.assertEqual(answer.status_code, 413)

    def test_a_body_of_exactly_16_kib_is_accepted(self):
        name = unique_name("big")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        visitor = Visitor(stack.url)
        fields = {"csrf_token": visitor.csrf_token("/login"), "username": name, "password": "correct horse",
                  "pad": ""}
        fields["pad"] = "x" * (16 * 1024 - len(urllib.parse.urlencode(fields)))
        self.assertEqual(len(urllib.parse.urlencode(fields)), 16 * 1024)
        answer = visitor.post("/login", fields)
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/index")
        fields["pad"] += "x"
        self.assertEqual(Visitor(stack.url).post("/login", fields).status_code, 413)


class AddressTest(unittest.TestCase):
    def test_an_unknown_address_is_404(self):
        for path in ("/no-such-page", "/index/", "/login/", "/login/extra", "/index.php", "/cgi-bin/login",
                     "/session", "/static/no-such-file.css", "/INDEX"):
            with self.subTest(path=path):
                self.assertEqual(get(path).status_code, 404)

    def test_internal_locations_cannot_be_requested(self):
        for path in ("/_auth/required", "/_auth/optional", "/errors/404.html", "/errors/_top.html"):
            with self.subTest(path=path):
                answer = get(path)
                self.assertEqual(answer.status_code, 404)
                self.assertEqual(microblog_headers(answer), [])

    def test_paths_outside_the_static_folder_are_not_served(self):
        for path in ("/static/../deploy/run-local.sh", "/static/..%2f..%2fdeploy/run-local.sh",
                     "/static/%2e%2e/README.md", "/static../README.md"):
            with self.subTest(path=path):
                answer = requests.get(stack.url + path, timeout=30, allow_redirects=False)
                self.assertIn(answer.status_code, (400, 404))
                self.assertNotIn("#!/", answer.text)

    def test_the_stylesheet_is_served_as_css_with_cache_headers(self):
        answer = get("/static/style.css")
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.headers["Content-Type"].split(";")[0], "text/css")
        self.assertIn("Cache-Control", answer.headers)
        self.assertIn("public", answer.headers["Cache-Control"])
        self.assertRegex(answer.headers["Cache-Control"], r"max-age=[1-9]")
        self.assertIn("Expires", answer.headers)
        expires = email.utils.parsedate_to_datetime(answer.headers["Expires"])
        self.assertGreater(expires, email.utils.parsedate_to_datetime(answer.headers["Date"]))

    def test_pages_link_the_stylesheet(self):
        self.assertIn('<link rel="stylesheet" href="/static/style.css">', get("/login").text)

    def test_the_favicon_is_served(self):
        answer = get("/favicon.ico")
        self.assertEqual(answer.status_code, 200)
        self.assertIn("Expires", answer.headers)


if __name__ == "__main__":
    unittest.main(verbosity=2)

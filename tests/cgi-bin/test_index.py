#!/usr/bin/python3
"""cgi-bin/index.cpp: the home page (/ and /index) of a signed-in user: greeting, posts, layout."""
import html
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack, sql_text  # noqa: E402

stack = Stack("cgi-bin-index")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()



def add_post(username, body, timestamp):
    stack.sql("INSERT INTO posts (body, timestamp, user_id) SELECT %s, '%s', id FROM users WHERE username = %s"
              % (sql_text(body), timestamp, sql_text(username)))


def post_lines(page):
    """The posts of a page as plain text lines "<author> says: <body>", in page order."""
    lines = []
    for block in re.findall(r'<div class="post">(.*?)</div>', page.text, re.S):
        lines.append(html.unescape(re.sub(r"<[^>]*>", "", block)).strip())
    return lines


class HomePageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.visitor = Visitor(stack.url)
        cls.name = cls.visitor.signed_up_and_in("home")

    def test_both_addresses_greet_the_user_by_name(self):
        for path in ("/", "/index"):
            with self.subTest(path=path):
                page = self.visitor.get(path)
                self.assertEqual(page.status_code, 200)
                self.assertIn("<title>Home - Microblog</title>", page.text)
                self.assertIn("<h1>Hi, %s!</h1>" % self.name, page.text)
                self.assertTrue(page.headers["Content-Type"].startswith("text/html"))

    def test_the_navigation_has_home_account_then_a_logout_form_with_the_csrf_token(self):
        page = self.visitor.get("/index")
        nav = re.search(r"<nav[^>]*>(.*?)</nav>", page.text, re.S).group(1)
        self.assertRegex(nav, r'Microblog:</span>\s*<a href="/index">Home</a>\s*<a href="/account">Account</a>\s*'
                              r'<form[^>]* method="post" action="/logout">')
        form = re.search(r"<form[^>]*>(.*?)</form>", nav, re.S).group(1)
        self.assertRegex(form, r'<input type="hidden" name="csrf_token" value="[^"]+">')
        self.assertRegex(form, r">Logout<")
        self.assertNotIn('href="/login"', nav)
        # The navigation's token is the one that signs this session out.
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        other = Visitor(stack.url)
        name = other.signed_up_and_in("navtoken")
        other_token = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/index").text).group(1)
        self.assertNotEqual(token, other_token)
        self.assertEqual(other.post("/logout", {"csrf_token": other_token}).status_code, 302)
        self.assertNotIn("Hi, %s!" % name, other.get("/index").text)

    def test_the_page_is_not_cached(self):
        # What the code does: pages with per-user content and CSRF tokens are no-store.
        self.assertEqual(self.visitor.get("/index").headers.get("Cache-Control"), "no-store")

    def test_a_query_string_does_not_change_the_page(self):
        page = self.visitor.get("/index?a=1&b=2")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Hi, %s!" % self.name, page.text)


class PostsTest(unittest.TestCase):
    def test_recent_posts_of_all_users_are_listed_newest_first(self):
        alice = unique_name("alice")
        bob = unique_name("bob")
        for name in (alice, bob):
            self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        # Far in the future, so they are the newest posts on the site whatever else exists.
        add_post(alice, "alice first %s" % alice, "2091-01-01 10:00:00")
        add_post(bob, "bob third %s" % bob, "2091-01-01 12:00:00.000002")
        add_post(alice, "alice second %s" % alice, "2091-01-01 12:00:00.000001")
        add_post(bob, "bob older %s" % bob, "2091-01-01 09:00:00")
        visitor = Visitor(stack.url)
        visitor.signed_up_and_in("reader")
        expected = ["%s says: bob third %s" % (bob, bob), "%s says: alice second %s" % (alice, alice),
                    "%s says: alice first %s" % (alice, alice), "%s says: bob older %s" % (bob, bob)]
        for path in ("/", "/index"):
            with self.subTest(path=path):
                lines = post_lines(visitor.get(path))
                # Other tests' posts may come between; the order of these four is what counts.
                self.assertEqual([line for line in lines if line in expected], expected)

    def test_a_full_page_is_exactly_the_newest_25_posts_of_many(self):
        author = unique_name("prolific")
        self.assertEqual(Visitor(stack.url).register(author).status_code, 302)
        # Thirty posts newer than any other test's, one second apart; gone afterwards, so that the
        # other tests' posts are the newest again.
        self.addCleanup(stack.sql, "DELETE FROM posts WHERE user_id = (SELECT id FROM users WHERE "
                        "username = %s)" % sql_text(author))
        for n in range(30):
            add_post(author, "post %02d %s" % (n, author), "2095-01-01 00:00:%02d" % n)
        visitor = Visitor(stack.url)
        visitor.signed_up_and_in("fullpage")
        lines = post_lines(visitor.get("/index"))
        self.assertEqual(lines, ["%s says: post %02d %s" % (author, n, author) for n in range(29, 4, -1)])

    def test_post_bodies_are_escaped(self):
        author = unique_name("quoter")
        self.assertEqual(Visitor(stack.url).register(author).status_code, 302)
        add_post(author, '<img src=x onerror="alert(1)"> & more', "2092-01-01 00:00:00")
        page = Visitor(stack.url)
        page.signed_up_and_in("escreader")
        text = page.get("/index").text
        self.assertNotIn("<img src=x", text)
        self.assertIn("&lt;img src=x onerror=", text)
        self.assertIn("%s says: %s" % (author, '<img src=x onerror="alert(1)"> & more'),
                      post_lines(page.get("/index")))


class EscapingTest(unittest.TestCase):
    def test_a_username_with_markup_is_shown_escaped(self):
        name = "<script>alert(1)</script>"
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.register(name, email="script-%s@example.com" % unique_name()).status_code, 302)
        self.assertEqual(visitor.login(name).headers["Location"], "/index")
        page = visitor.get("/index")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Hi, &lt;script&gt;alert(1)&lt;/script&gt;!", page.text)
        self.assertNotIn("<script>", page.text)

    def test_a_username_with_markup_is_escaped_as_a_post_author(self):
        name = '"><b>%s' % unique_name("")
        self.assertEqual(Visitor(stack.url).register(name, email="b-%s@example.com" % unique_name()).status_code, 302)
        add_post(name, "hello", "2093-01-01 00:00:00")
        reader = Visitor(stack.url)
        reader.signed_up_and_in("authreader")
        page = reader.get("/index")
        self.assertNotIn('"><b>', page.text)
        self.assertIn("&quot;&gt;&lt;b&gt;", page.text)


if __name__ == "__main__":
    unittest.main(verbosity=2)

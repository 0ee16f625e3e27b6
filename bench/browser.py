"""What make bench does on a site before loading it: register, sign in, fetch a form's CSRF token,
as a browser would. Works for any deployment of the pages (ours, or a peer such as the PHP one):
cookies are handled generically (every Set-Cookie kept, all sent back as one Cookie header)."""
import re
import urllib.parse

import requests

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]*)"')
TIMEOUT_SECONDS = 30


class SiteError(Exception):
    pass


class Browser:
    """One visitor with its own cookies."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, path):
        return self.http.get(self.base_url + path, allow_redirects=False, timeout=TIMEOUT_SECONDS)

    def post(self, path, fields):
        return self.http.post(self.base_url + path, data=fields, allow_redirects=False,
                              timeout=TIMEOUT_SECONDS)

    def form_token(self, path):
        page = self.get(path)
        match = CSRF_PATTERN.search(page.text)
        if page.status_code != 200 or not match:
            raise SiteError("GET %s answered %d without a CSRF token" % (path, page.status_code))
        return match.group(1)

    def cookie_header(self):
        """The Cookie header this visitor's browser would send: every cookie the site set."""
        return "; ".join("%s=%s" % (cookie.name, cookie.value) for cookie in self.http.cookies)


def location_path(response):
    """The path of a redirect's Location, also when a site sends it as an absolute URL."""
    return urllib.parse.urlsplit(response.headers.get("Location", "")).path


def register(base_url, username, password):
    browser = Browser(base_url)
    fields = {"csrf_token": browser.form_token("/register"), "username": username,
              "email": username + "@example.com", "password": password, "password2": password}
    answer = browser.post("/register", fields)
    if answer.status_code != 302 or location_path(answer) != "/login":
        raise SiteError("registering %s answered %d (Location %r): %s" % (
            username, answer.status_code, answer.headers.get("Location"), answer.text[:300]))


def signed_in(base_url, username, password):
    """A freshly signed-in browser (the sign-in itself sets no flash message, so the cookies
    handed to the load generator show the plain home page on every request)."""
    browser = Browser(base_url)
    fields = {"csrf_token": browser.form_token("/login"), "username": username,
              "password": password}
    answer = browser.post("/login", fields)
    if answer.status_code != 302 or location_path(answer) != "/index":
        raise SiteError("signing in as %s answered %d (Location %r)" % (
            username, answer.status_code, answer.headers.get("Location")))
    return browser


def home_page(browser, username):
    """The signed-in home page's body, checked for the greeting."""
    home = browser.get("/index")
    if home.status_code != 200 or greeting(username) not in home.text:
        raise SiteError("the home page of %s answered %d without %r" % (
            username, home.status_code, greeting(username)))
    return home.content


def visitor_with_token(base_url, form_path):
    """A visitor who opened a form page: (Cookie header, CSRF token of that page)."""
    browser = Browser(base_url)
    token = browser.form_token(form_path)
    return browser.cookie_header(), token


def greeting(username):
    """The home page's greeting; both our templates/index.tpl and the PHP peer's say this."""
    return "Hi, %s!" % username

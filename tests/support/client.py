"""A visitor of the site over HTTP: a requests.Session with the steps the tests repeat."""
import re
import uuid
import warnings

import requests

CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]*)"')


def unique_name(prefix="user"):
    return "%s%s" % (prefix, uuid.uuid4().hex[:10])


class Visitor:
    def __init__(self, base_url):
        # Tests open many short-lived sessions; their pooled sockets closing late is not a
        # finding. Set here, not at import: unittest.main resets the warning filters.
        warnings.filterwarnings("ignore", category=ResourceWarning)
        self.base_url = base_url
        self.http = requests.Session()

    def get(self, path, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return self.http.get(self.base_url + path, **kwargs)

    def post(self, path, data=None, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return self.http.post(self.base_url + path, data=data, **kwargs)

    def csrf_token(self, path):
        """The token of the first form on `path` (for /logout, the navigation's Logout form)."""
        page = self.get(path)
        match = CSRF_PATTERN.search(page.text)
        if not match:
            raise AssertionError("no CSRF token on %s (status %d)" % (path, page.status_code))
        return match.group(1)

    def register(self, username, email=None, password="correct horse", password2=None):
        email = email if email is not None else "%s@example.com" % username
        data = {"csrf_token": self.csrf_token("/register"), "username": username, "email": email,
                "password": password, "password2": password if password2 is None else password2}
        return self.post("/register", data)

    def login(self, username, password="correct horse", remember_me=False, next_path=None):
        path = "/login"
        params = {"next": next_path} if next_path is not None else None
        data = {"csrf_token": self.csrf_token("/login"), "username": username, "password": password}
        if remember_me:
            data["remember_me"] = "y"
        return self.post(path, data, params=params)

    def logout(self):
        return self.post("/logout", {"csrf_token": self.csrf_token("/index")})

    def signed_up_and_in(self, prefix="user", remember_me=False):
        """Registers a fresh user and signs in; returns the username."""
        name = unique_name(prefix)
        assert self.register(name).status_code == 302
        assert self.login(name, remember_me=remember_me).status_code == 302
        return name

    def flashes(self, page_text):
        block = re.search(r'<ul class="flashes"[^>]*>(.*?)</ul>', page_text, re.S)
        return re.findall(r"<li>(.*?)</li>", block.group(1), re.S) if block else []


def register_fresh_user(testcase, url, password, prefix="user"):
    """A fresh account made over HTTP, for tests about what comes after registering; its name."""
    visitor = Visitor(url)
    testcase.addCleanup(visitor.http.close)
    name = unique_name(prefix)
    response = visitor.register(name, password=password)
    testcase.assertEqual(response.status_code, 302, response.text[:2000])
    return name

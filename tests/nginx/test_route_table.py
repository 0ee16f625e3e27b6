#!/usr/bin/python3
"""nginx/microblog.conf against the route table: each program's row (`PROGRAM --describe`,
core/server/server.h) has one location per path, with its socket, the include its audience
asks for and its rate limit, and no other location sends to a program."""
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from routes import routes  # noqa: E402
from stack import BUILD_DIR, REPO_DIR  # noqa: E402

LOCATION = re.compile(r"^    location = (\S+) \{\n(.*?)^    \}", re.M | re.S)


def described(route):
    """The row of `route`'s program as {key: [values]}."""
    output = subprocess.run([os.path.join(BUILD_DIR, "bin", route), "--describe"], check=True,
                            capture_output=True, text=True, timeout=30).stdout
    return {key: rest.split() for key, _, rest in (line.partition(" ") for line in output.splitlines())}


def nginx_locations():
    """{path: body} of every exact-match location of nginx/microblog.conf."""
    with open(os.path.join(REPO_DIR, "nginx", "microblog.conf")) as f:
        conf = f.read()
    found = {}
    for path, body in LOCATION.findall(conf):
        if path in found:
            raise AssertionError("two locations for %s" % path)
        found[path] = body
    return found


class RouteTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = {route: described(route) for route in routes()}
        cls.locations = nginx_locations()

    def test_every_program_describes_itself_under_its_name(self):
        for route, row in self.rows.items():
            self.assertEqual(row["name"], [route])
            self.assertTrue(row["paths"], "%s has no path" % route)

    def test_every_path_has_its_location_socket_include_and_limit(self):
        for route, row in self.rows.items():
            for path in row["paths"]:
                with self.subTest(route=route, path=path):
                    body = self.locations.get(path)
                    self.assertIsNotNone(body, "no location = %s in nginx/microblog.conf" % path)
                    self.assertEqual(re.findall(r"fastcgi_pass unix:@RUN_DIR@/(\w+)\.sock;", body), [route])
                    include = "protected-page.conf" if row["audience"] == ["signed-in"] else "public-page.conf"
                    self.assertEqual(re.findall(r"include @CONF_DIR@/(\S+-page\.conf);", body), [include])
                    self.assertEqual(re.findall(r"limit_req zone=(\w+)", body), row["rate_limit"])

    def test_no_other_location_sends_to_a_program(self):
        declared = {path for row in self.rows.values() for path in row["paths"]}
        for path, body in self.locations.items():
            if "fastcgi_pass" in body:
                self.assertIn(path, declared, "location = %s is in no route's row" % path)

    def test_the_readme_names_every_program(self):
        with open(os.path.join(REPO_DIR, "README.md")) as f:
            readme = f.read()
        listed = re.search(r"^cgi-bin/ .*?\(the list:", readme, re.M | re.S).group(0)
        self.assertEqual(sorted(set(re.findall(r"\b[a-z_]+\b", listed)) & set(self.rows)), sorted(self.rows))


if __name__ == "__main__":
    unittest.main()

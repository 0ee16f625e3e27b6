#!/usr/bin/python3
"""nginx/microblog.conf and the deploy scripts against the route table: each program's row
(`PROGRAM --describe`, core/server/route.h) has one location per path (exact, or a prefix
location `^~` for a path ending in "/", whose page reads the rest of the path), with its socket, the
include its audience asks for and its rate limit, and no other location sends to a program;
deploy/lib/routes.sh names exactly the programs of cgi-bin/, and the units it starts run them on
the sockets nginx sends their paths to."""
import glob
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from routes import rows  # noqa: E402
from stack import REPO_DIR  # noqa: E402

LOCATION = re.compile(r"^    location (=|\^~) (\S+) \{\n(.*?)^    \}", re.M | re.S)
ROUTES_SH = os.path.join(REPO_DIR, "deploy", "lib", "routes.sh")
SYSTEMD_DIR = os.path.join(REPO_DIR, "deploy", "systemd")


def with_routes_sh(script):
    """The lines `script` prints in bash with deploy/lib/routes.sh sourced, and systemctl (which
    echoes its arguments and succeeds), say and die stood in for, as a host's caller defines them."""
    prelude = ('say() { :; }; die() { echo "die: $*" >&2; exit 1; }; systemctl() { echo "$*"; }; '
               'source "$1"; ')
    return subprocess.run(["bash", "-euo", "pipefail", "-c", prelude + script, "with-routes-sh", ROUTES_SH],
                          check=True, capture_output=True, text=True, timeout=30).stdout.splitlines()


def unit_file(name):
    with open(os.path.join(SYSTEMD_DIR, name)) as f:
        return f.read()


def nginx_locations():
    """{path: (kind, body)} of every location of nginx/microblog.conf that is exact (kind "=") or
    a prefix taking precedence over regular expressions ("^~")."""
    with open(os.path.join(REPO_DIR, "nginx", "microblog.conf")) as f:
        conf = f.read()
    found = {}
    for kind, path, body in LOCATION.findall(conf):
        if path in found:
            raise AssertionError("two locations for %s" % path)
        found[path] = (kind, body)
    return found


class RouteTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = rows()
        cls.locations = nginx_locations()

    def test_every_program_describes_itself_under_its_name(self):
        for route, row in self.rows.items():
            self.assertEqual(row["name"], [route])
            self.assertTrue(row["paths"], "%s has no path" % route)

    def test_every_path_has_its_location_socket_include_and_limit(self):
        for route, row in self.rows.items():
            for path in row["paths"]:
                with self.subTest(route=route, path=path):
                    # A row's path ending in "/" (not "/" itself) is a prefix: its page reads
                    # the rest of the path (/reset_password/<token>).
                    kind = "^~" if len(path) > 1 and path.endswith("/") else "="
                    kind_found, body = self.locations.get(path, (None, None))
                    self.assertEqual(kind_found, kind, "no location %s %s in nginx/microblog.conf" % (kind, path))
                    self.assertEqual(re.findall(r"fastcgi_pass unix:@RUN_DIR@/(\w+)\.sock;", body), [route])
                    include = "protected-page.conf" if row["audience"] == ["signed-in"] else "public-page.conf"
                    self.assertEqual(re.findall(r"include @CONF_DIR@/(\S+-page\.conf);", body), [include])
                    self.assertEqual(re.findall(r"limit_req zone=(\w+)", body), row["rate_limit"])

    def test_the_referrer_policy_map_names_exactly_the_no_referrer_paths(self):
        # nginx's map sends no-referrer for these paths (a prefix as ~^PATH, an exact path as
        # PATH); the programs take Origin: null on their forms only there (route.h).
        with open(os.path.join(REPO_DIR, "nginx", "microblog.conf")) as f:
            block = re.search(r"^map \$request_uri \$microblog_referrer_policy \{\n(.*?)^\}", f.read(),
                              re.M | re.S).group(1)
        mapped = sorted(re.findall(r'^\s*"(\S+)" no-referrer;', block, re.M))
        self.assertIn("default same-origin;", block)
        expected = sorted(("~^" + path) if path.endswith("/") else path
                          for row in self.rows.values() if row["referrer_policy"] == ["no-referrer"]
                          for path in row["paths"])
        self.assertTrue(expected, "no route sends no-referrer")
        self.assertEqual(mapped, expected)

    def test_no_other_location_sends_to_a_program(self):
        declared = {path for row in self.rows.values() for path in row["paths"]}
        for path, (_, body) in self.locations.items():
            if "fastcgi_pass" in body:
                self.assertIn(path, declared, "location = %s is in no route's row" % path)

    def test_the_readme_names_every_program(self):
        with open(os.path.join(REPO_DIR, "README.md")) as f:
            readme = f.read()
        listed = re.search(r"^cgi-bin/ .*?\(the list:", readme, re.M | re.S).group(0)
        self.assertEqual(sorted(set(re.findall(r"\b[a-z_]+\b", listed)) & set(self.rows)), sorted(self.rows))


class DeployRoutesTest(unittest.TestCase):
    """deploy/lib/routes.sh, which the build, the scripts and the tests take the programs from."""

    @classmethod
    def setUpClass(cls):
        cls.rows = rows()
        cls.names = sorted(row["name"][0] for row in cls.rows.values())

    def test_routes_names_each_program_of_cgi_bin_once(self):
        # As bash sees the array, the same as the one-line read of CMake and tests/support.
        listed = with_routes_sh('printf "%s\\n" "${ROUTES[@]}"')
        self.assertEqual(listed, list(self.rows))
        self.assertEqual(len(set(listed)), len(listed), "a route twice in ROUTES")
        # The build makes a program only for each ROUTES entry: a cgi-bin/*.cpp left out has no
        # row to run, so the sources are the list of programs that exist.
        sources = sorted(os.path.basename(path)[:-len(".cpp")]
                         for path in glob.glob(os.path.join(REPO_DIR, "cgi-bin", "*.cpp")))
        self.assertEqual(sorted(listed), sources)
        self.assertEqual(sorted(listed), self.names)

    def test_the_units_restarted_are_one_per_program(self):
        restarted = [line.split()[-1] for line in with_routes_sh("restart_routes")
                     if line.startswith("restart ")]
        self.assertEqual(sorted(restarted), ["microblog@%s.service" % name for name in self.names])

    def test_each_unit_runs_its_program_on_the_socket_nginx_sends_to(self):
        # nginx's fastcgi_pass is @RUN_DIR@/NAME.sock (checked above), RUN_DIR as install.sh fills it in.
        with open(os.path.join(REPO_DIR, "deploy", "install.sh")) as f:
            run_dirs = re.findall(r'"RUN_DIR=(/[^"$]+)"', f.read())
        self.assertEqual(len(run_dirs), 1, run_dirs)
        service = unit_file("microblog@.service")
        self.assertRegex(service, r"(?m)^ExecStart=\S*/bin/%i( |$)")
        self.assertRegex(service, r"(?m)^Requires=microblog@%i\.socket$")
        self.assertEqual(re.findall(r"(?m)^ListenStream=(.*)$", unit_file("microblog@.socket")),
                         [run_dirs[0] + "/%i.sock"])


if __name__ == "__main__":
    unittest.main()

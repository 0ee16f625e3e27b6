#!/usr/bin/python3
"""deploy/install-deps.sh: installs only what is missing, and is a silent no-op otherwise.

apt-get, sudo and dpkg-query are replaced on PATH by recorders, so the test sees exactly what the
script would install without changing the machine."""
import os
import subprocess
import tempfile
import unittest

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(REPO_DIR, "deploy", "install-deps.sh")

RECORDER = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
"""
# Reports every package installed except those listed in $MISSING_PACKAGES.
FAKE_DPKG_QUERY = """#!/bin/sh
echo "dpkg-query $*" >> "{log}"
for package in "$@"; do :; done
for missing in $MISSING_PACKAGES; do
    if [ "$missing" = "$package" ]; then exit 1; fi
done
printf 'install ok installed'
"""


class InstallDepsTest(unittest.TestCase):
    def run_script(self, missing=""):
        with tempfile.TemporaryDirectory() as bin_dir:
            log = os.path.join(bin_dir, "calls.log")
            open(log, "w").close()
            for name, body in (("apt-get", RECORDER), ("sudo", RECORDER), ("dpkg-query", FAKE_DPKG_QUERY)):
                path = os.path.join(bin_dir, name)
                with open(path, "w") as f:
                    f.write(body.format(log=log))
                os.chmod(path, 0o755)
            env = dict(os.environ, PATH=bin_dir + ":" + os.environ["PATH"], MISSING_PACKAGES=missing)
            result = subprocess.run(["bash", SCRIPT], env=env, capture_output=True, text=True, timeout=60)
            with open(log) as f:
                calls = f.read().splitlines()
        return result, calls

    def test_nothing_missing_means_no_apt_and_no_output(self):
        result, calls = self.run_script()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout + result.stderr, "")
        self.assertTrue(any(c.startswith("dpkg-query") for c in calls), "packages were not checked")
        self.assertFalse([c for c in calls if not c.startswith("dpkg-query")], calls)

    def test_only_the_missing_packages_are_installed(self):
        result, calls = self.run_script(missing="tidy nginx-light")
        self.assertEqual(result.returncode, 0, result.stderr)
        installs = [c for c in calls if " install " in " %s " % c]
        self.assertEqual(len(installs), 1, calls)
        packages = installs[0].split(" install ", 1)[1].split()
        self.assertEqual(sorted(p for p in packages if not p.startswith("-")), ["nginx-light", "tidy"])
        # As root no sudo; as a user, every apt-get goes through sudo.
        used_sudo = any(c.startswith("sudo ") for c in calls)
        self.assertEqual(used_sudo, os.geteuid() != 0, calls)

    def test_the_packages_of_the_design_are_in_the_list(self):
        result, calls = self.run_script()
        checked = {c.split()[-1] for c in calls if c.startswith("dpkg-query")}
        for package in ("libfcgi-dev", "libcgicc-dev", "libctemplate-dev", "libmariadb-dev", "libcrypt-dev",
                        "cmake", "mariadb-server", "chromium", "chromium-driver", "python3-selenium", "tidy"):
            self.assertIn(package, checked)


if __name__ == "__main__":
    unittest.main(verbosity=2)

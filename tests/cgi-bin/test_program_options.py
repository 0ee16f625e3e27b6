#!/usr/bin/python3
"""A route program's command line (core/server/server.cpp): a bad option stops it at start, with exit
status 1 and a message that names the option and the value it got."""
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stack import BUILD_DIR  # noqa: E402

PROGRAM = os.path.join(BUILD_DIR, "bin", "login")


def run(*args):
    return subprocess.run([PROGRAM, *args], capture_output=True, text=True, timeout=30)


class ProgramOptionsTest(unittest.TestCase):
    def setUp(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", folder]))
        # Never read: options are checked before the configuration is loaded.
        self.config = os.path.join(folder, "absent.conf")
        self.socket = os.path.join(folder, "login.sock")

    def test_a_worker_count_that_is_not_a_number_is_named(self):
        for value in ("5x", "abc", "", "-1", "0", "257", "1e2", " 4", "99999999999"):
            with self.subTest(value=value):
                result = run("--config", self.config, "--socket", self.socket, "--workers", value)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("--workers must be a number from 1 to 256, not '%s'" % value, result.stderr)
                self.assertFalse(os.path.exists(self.socket), "it started serving")

    def test_a_good_worker_count_gets_past_the_options(self):
        # The next thing it reads is the configuration file, which is absent here.
        for value in ("1", "4", "256"):
            with self.subTest(value=value):
                result = run("--config", self.config, "--socket", self.socket, "--workers", value)
                self.assertEqual(result.returncode, 1)
                self.assertNotIn("--workers", result.stderr)
                self.assertIn(self.config, result.stderr)

    def test_an_option_without_its_value_or_an_unknown_one_is_named(self):
        self.assertIn("missing value after --workers",
                      run("--config", self.config, "--workers").stderr)
        self.assertIn("unknown option --threads", run("--threads", "4").stderr)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/python3
"""tools/hash_password.cpp, the operators' tool: a cost that is not a number from 1 to 11 is
refused with its usage and the argument it got, not an abort that says only "stoul"."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stack import BUILD_DIR  # noqa: E402

PROGRAM = os.path.join(BUILD_DIR, "bin", "hash-password")


def hash_password(*arguments):
    return subprocess.run([PROGRAM, *arguments], input="a password\n", capture_output=True, text=True,
                          timeout=60)


class HashPasswordTest(unittest.TestCase):
    def test_a_cost_in_range_gives_a_yescrypt_hash(self):
        done = hash_password("3")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertTrue(done.stdout.startswith("$y$"), done.stdout)

    def test_a_cost_that_is_not_a_number_from_1_to_11_is_refused_by_name(self):
        for cost in ("abc", "5x", "", "12", "-1", "99999999999999999999999"):
            with self.subTest(cost=cost):
                done = hash_password(cost)
                self.assertEqual(done.returncode, 2, done.stderr)
                self.assertIn("not a cost from 1 to 11: '%s'" % cost, done.stderr)
                self.assertIn("usage: hash-password", done.stderr)
                self.assertEqual(done.stdout, "")


if __name__ == "__main__":
    unittest.main()

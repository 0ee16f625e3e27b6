#!/usr/bin/python3
"""A short soak (tests/reliability/soak.py; `make soak` runs the ten-minute one): a minute of
mixed traffic with killed workers, a stopped route program and a killed MariaDB, after which no
account is lost or doubled, no answer was unexpected, and no worker grew."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import soak  # noqa: E402


class ShortSoakTest(unittest.TestCase):
    def test_a_minute_of_traffic_and_faults_loses_and_leaks_nothing(self):
        report, problems = soak(60, name="reliability-soak")
        print(report, file=sys.stderr)
        self.assertEqual(problems, [], report)


if __name__ == "__main__":
    unittest.main()

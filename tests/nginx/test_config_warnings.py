#!/usr/bin/python3
"""nginx -t on the configuration deploy/run-local.sh renders from nginx/ (a host's comes from the
same files): no warnings at all, so that a new one in a host's `nginx -t` stands out."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from stack import Stack  # noqa: E402

stack = Stack("nginx-config-warnings")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class ConfigWarningsTest(unittest.TestCase):
    def test_nginx_finds_nothing_to_warn_about(self):
        nginx_dir = os.path.join(stack.var_dir, "nginx")
        checked = subprocess.run(
            ["nginx", "-t", "-p", nginx_dir + "/", "-c", os.path.join(nginx_dir, "conf", "nginx.conf"),
             "-e", os.path.join(stack.var_dir, "log", "nginx-error.log")],
            capture_output=True, text=True, timeout=60)
        output = checked.stdout + checked.stderr
        self.assertEqual(checked.returncode, 0, output)
        self.assertIn("test is successful", output)
        self.assertEqual([line for line in output.splitlines() if "[warn]" in line], [], output)


if __name__ == "__main__":
    unittest.main()

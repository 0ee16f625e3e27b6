#!/usr/bin/python3
"""Runs a program against a fresh private stack (stack.py), for C++ tests that need the real
MariaDB: `with_stack.py NAME PROGRAM [ARGS...]`. The program finds the stack's configuration
file in MICROBLOG_TEST_CONFIG; the exit status is the program's."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stack import Stack  # noqa: E402


def main(name, command):
    stack = Stack(name)
    stack.start()
    try:
        env = dict(os.environ, MICROBLOG_TEST_CONFIG=os.path.join(stack.var_dir, "microblog.conf"))
        return subprocess.run(command, env=env).returncode
    finally:
        stack.stop()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: with_stack.py NAME PROGRAM [ARGS...]")
    sys.exit(main(sys.argv[1], sys.argv[2:]))

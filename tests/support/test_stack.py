#!/usr/bin/python3
"""tests/support: what lets test files run in parallel without reaching into each other's stacks:
ports no two test processes share, and a stack's processes told apart from a stack whose folder
name begins with its own."""
import fcntl
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from ports import RESERVATIONS, _first_ephemeral_port  # noqa: E402
from stack import Stack, stack_processes  # noqa: E402

HOLD_PORTS = """
import sys, time
sys.path.insert(0, %r)
from ports import free_port
print(" ".join(str(free_port()) for _ in range(int(sys.argv[1]))), flush=True)
time.sleep(30)
""" % os.path.dirname(os.path.abspath(__file__))
SLEEP = "import time; print('up', flush=True); time.sleep(30)"


class PortsTest(unittest.TestCase):
    def test_parallel_processes_never_get_the_same_port_and_none_is_ephemeral(self):
        per_process = 400
        holders = [subprocess.Popen([sys.executable, "-c", HOLD_PORTS, str(per_process)],
                                    stdout=subprocess.PIPE, text=True) for _ in range(4)]
        try:
            ports = [int(p) for holder in holders for p in holder.stdout.readline().split()]
        finally:
            for holder in holders:
                holder.kill()
                holder.wait()
                holder.stdout.close()
        self.assertEqual(len(ports), 4 * per_process)
        self.assertEqual(len(set(ports)), len(ports))
        self.assertLess(max(ports), _first_ephemeral_port())

    def test_a_port_is_free_again_once_its_holder_has_exited(self):
        holder = subprocess.Popen([sys.executable, "-c", HOLD_PORTS, "1"], stdout=subprocess.PIPE, text=True)
        port = int(holder.stdout.readline())
        holder.kill()
        holder.wait()
        holder.stdout.close()
        with open(os.path.join(RESERVATIONS, str(port)), "a") as reservation:
            fcntl.flock(reservation, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if still held


class StackProcessesTest(unittest.TestCase):
    def test_a_stack_whose_name_begins_with_anothers_is_not_counted_as_that_one(self):
        mine, neighbour = Stack("support-prefix"), Stack("support-prefix-other")
        sleepers = [subprocess.Popen([sys.executable, "-c", SLEEP, "--datadir=" + os.path.join(stack.var_dir, "data")],
                                     stdout=subprocess.PIPE, text=True) for stack in (mine, neighbour)]
        try:
            for sleeper in sleepers:
                sleeper.stdout.readline()  # running, with its command line in place
            found = [pid for pid, _ in stack_processes(mine)]
            self.assertIn(sleepers[0].pid, found)
            self.assertNotIn(sleepers[1].pid, found)
        finally:
            for sleeper in sleepers:
                sleeper.kill()
                sleeper.wait()
                sleeper.stdout.close()
            subprocess.run(["rm", "-rf", mine.var_dir, neighbour.var_dir], check=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)

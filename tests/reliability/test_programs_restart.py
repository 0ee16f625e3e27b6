#!/usr/bin/python3
"""Route programs that die or are stopped under load (core/server/supervisor.cpp, deploy/run-local.sh): a
killed worker is replaced within a second and only the request it held may fail; a supervisor
that is killed or stopped is started again by the local stack, which keeps running, none of its
old workers stays behind, and no request fails: the stack holds each route's socket, so
connections wait in its queue for the new program. An idle program stops at once."""
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from load import Load  # noqa: E402
from stack import Stack, route_processes, stack_processes  # noqa: E402

stack = Stack("reliability-programs")
PASSWORD = "correct horse"


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def wait_for(condition, what, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("%s did not happen within %d s:\n%s" % (what, seconds, stack.log_tail()))


def index_processes():
    """Every process of the index program, old or new."""
    marker = os.path.join(stack.var_dir, "run", "index.sock")
    return {pid for pid, cmdline in stack_processes(stack) if marker in cmdline}


class PidLimit:
    """A cgroup with a limit on its number of processes (the pids controller, cgroup v1 or v2),
    to make a program's fork fail: root is exempt from RLIMIT_NPROC, not from this."""

    def __init__(self, name):
        v1 = "/sys/fs/cgroup/pids"
        self.path = os.path.join(v1 if os.path.isdir(v1) else "/sys/fs/cgroup", name)
        os.makedirs(self.path, exist_ok=True)
        if not os.path.exists(os.path.join(self.path, "pids.max")):
            raise AssertionError("no pids controller at %s: this test needs one" % self.path)

    def set(self, limit):
        with open(os.path.join(self.path, "pids.max"), "w") as f:
            f.write(str(limit))

    def add(self, pid):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def remove(self):
        parent = os.path.dirname(self.path)
        with open(os.path.join(self.path, "cgroup.procs")) as f:
            members = f.read().split()
        for pid in members:
            try:
                with open(os.path.join(parent, "cgroup.procs"), "w") as f:
                    f.write(pid)
            except OSError:
                pass  # gone meanwhile
        os.rmdir(self.path)


class ProgramsRestartTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.name = unique_name("restart")
        visitor = Visitor(stack.url)
        assert visitor.register(cls.name, password=PASSWORD).status_code == 302
        assert visitor.login(cls.name, PASSWORD).status_code == 302
        cls.cookie = visitor.http.cookies["session"]

    def home_page_load(self):
        def send(session):
            return session.get(stack.url + "/index", headers={"Cookie": "session=" + self.cookie},
                               allow_redirects=False, timeout=30)
        return Load(send, threads=4, expected={200: "Hi, %s!" % self.name})

    def assert_served_throughout(self, load, failures_allowed=None, failures_within=None):
        """Only our 502 page besides the home page: at most `failures_allowed` of them, or all
        within `failures_within` (start, end), the moments no program listened."""
        self.assertEqual(load.errors, [])
        self.assertEqual(load.unmarked(), [], "an answer that is not our page")
        statuses = load.statuses()
        self.assertLessEqual(set(statuses), {200, 502}, statuses)
        if failures_allowed is not None:
            self.assertLessEqual(statuses[502], failures_allowed, statuses)
        if failures_within is not None and statuses[502]:
            start, end = failures_within
            failed = [answer for answer in load.answers if answer.status == 502]
            # Answered after the first moment, and sent before the second.
            self.assertGreaterEqual(min(a.at + a.seconds for a in failed), start, statuses)
            self.assertLessEqual(max(a.at for a in failed), end, "a 502 sent after the new program listened: %s"
                                 % statuses)
        self.assertGreater(statuses[200], 100, statuses)
        self.assertIsNone(stack.process.poll(), "the stack stopped")

    def test_a_killed_worker_costs_at_most_its_request_and_is_replaced_within_a_second(self):
        supervisor, workers = route_processes(stack, "index")
        with self.home_page_load() as load:
            time.sleep(1)
            os.kill(workers[0], signal.SIGKILL)
            killed_at = time.monotonic()
            replaced = wait_for(lambda: (lambda s, w: len(w) == len(workers) and workers[0] not in w)(
                *route_processes(stack, "index")), "a new worker")
            self.assertTrue(replaced)
            self.assertLess(time.monotonic() - killed_at, 1.5)
            time.sleep(1)
        self.assertEqual(route_processes(stack, "index")[0], supervisor)
        self.assert_served_throughout(load, failures_allowed=1)

    def test_a_worker_that_cannot_be_started_is_tried_again(self):
        supervisor, workers = route_processes(stack, "index")
        limit = PidLimit("microblog-test-%d" % os.getpid())
        self.addCleanup(limit.remove)
        limit.set(len(workers))  # one fewer than there are: no new process
        for pid in [supervisor] + workers:
            limit.add(pid)
        os.kill(workers[0], signal.SIGKILL)
        wait_for(lambda: "cannot start a worker" in open(os.path.join(stack.var_dir, "log", "index.log")).read(),
                 "a failed fork")
        self.assertEqual(len(route_processes(stack, "index")[1]), len(workers) - 1)
        self.assertIn("Hi, %s!" % self.name, Visitor(stack.url).get(
            "/index", headers={"Cookie": "session=" + self.cookie}).text, "the other worker serves on")
        limit.set("max")
        wait_for(lambda: len(route_processes(stack, "index")[1]) == len(workers), "a new worker", seconds=5)

    def check_supervisor_replaced(self, how):
        """Returns the load across the supervisor's end and its successor's start."""
        supervisor, workers = route_processes(stack, "index")
        old = index_processes()
        self.assertEqual(len(old), 1 + len(workers))
        with self.home_page_load() as load:
            time.sleep(1)
            os.kill(supervisor, how)
            new_supervisor = wait_for(lambda: (lambda s, w: s if s not in (None, supervisor) and w else None)(
                *route_processes(stack, "index")), "a new index program")
            # The old workers finish the request in hand and go: none serves on.
            wait_for(lambda: not (index_processes() & old), "the old workers' exit", seconds=15)
            time.sleep(1)
        self.assertNotEqual(new_supervisor, supervisor)
        return load

    def test_a_killed_supervisor_is_started_again_and_its_workers_go(self):
        load = self.check_supervisor_replaced(signal.SIGKILL)
        self.assert_served_throughout(load, failures_allowed=0)

    def test_a_stopped_supervisor_is_started_again(self):
        load = self.check_supervisor_replaced(signal.SIGTERM)
        self.assert_served_throughout(load, failures_allowed=0)
        with open(os.path.join(stack.var_dir, "log", "index.log")) as f:
            self.assertIn("starting it again", open(stack.output_path).read() + f.read())

    def test_an_idle_program_stops_at_once(self):
        # A few requests, one at a time: each wakes every idle worker, and those that lose the
        # race for the connection must not be left where SIGTERM cannot reach them.
        for _ in range(6):
            self.assertEqual(Visitor(stack.url).get("/login").status_code, 200)
        time.sleep(0.5)
        supervisor, workers = route_processes(stack, "login")
        self.assertTrue(workers)
        log_path = os.path.join(stack.var_dir, "log", "login.log")
        log_before = os.path.getsize(log_path)
        stopped_at = time.monotonic()
        os.kill(supervisor, signal.SIGTERM)
        wait_for(lambda: not os.path.exists("/proc/%d/cmdline" % supervisor) or
                 "stopped" in open(log_path).read()[log_before:], "the program's stop", seconds=15)
        took = time.monotonic() - stopped_at
        with open(log_path) as f:
            f.seek(log_before)
            lines = f.read()
        self.assertNotIn("did not stop", lines)
        self.assertIn("stopped", lines)
        # The supervisor's deadline for a stuck worker is 5 s; an idle one has nothing to finish.
        self.assertLess(took, 2.0, lines)
        wait_for(lambda: route_processes(stack, "login")[1], "the login program's return")


if __name__ == "__main__":
    unittest.main()

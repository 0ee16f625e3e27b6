#!/usr/bin/python3
"""A route program under socket activation (deploy/systemd/microblog@.socket): it serves the
socket it is handed, and stopping and starting it under load, as an upgrade does, loses no
request, because the socket (held here as systemd holds it) outlives the program."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import fastcgi  # noqa: E402
from stack import BUILD_DIR, Stack  # noqa: E402

stack = Stack("deploy-socket-activation")
PROGRAM = os.path.join(BUILD_DIR, "bin", "login")
MARKER = b"<title>Sign In - Microblog</title>"


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class Activated:
    """A listening socket this test holds, and the program started on it as systemd would:
    the socket as fd 3, LISTEN_PID naming the program, LISTEN_FDS=1."""

    def __init__(self, name):
        self.path = os.path.join(stack.var_dir, name + ".sock")
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1024)
        self.process = None
        self.log_path = os.path.join(stack.var_dir, name + ".log")

    def start(self, listen_pid="$$"):
        fd = self.listener.fileno()
        script = 'LISTEN_PID=%s LISTEN_FDS=1 exec "$0" --config "$1" --workers 2 3<&%d' % (listen_pid, fd)
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                ["bash", "-c", script, PROGRAM, os.path.join(stack.var_dir, "microblog.conf")],
                pass_fds=(fd,), stdout=log, stderr=log, start_new_session=True)
        return self.process

    def stop(self, timeout=20):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            return self.process.wait(timeout=timeout)
        return self.process.returncode if self.process else None

    def close(self):
        try:
            if self.process and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        finally:
            self.listener.close()
            os.unlink(self.path)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


class SocketActivationTest(unittest.TestCase):
    def activated(self, name):
        program = Activated(name)
        self.addCleanup(program.close)
        return program

    def wait_until_served(self, program, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                return fastcgi.get(program.path, "/login", timeout=2)
            except (ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise

    def wait_for(self, condition, lock, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with lock:
                if condition():
                    return True
            time.sleep(0.05)
        return False

    def test_serves_the_socket_it_is_handed(self):
        program = self.activated("handed")
        program.start()
        self.assertIn(MARKER, self.wait_until_served(program))
        self.assertIn("serving the socket it was given", program.log())

    def test_a_socket_meant_for_another_process_is_not_taken(self):
        program = self.activated("not-mine")
        # LISTEN_PID names another process: the sockets are not this program's, and with no
        # --socket of its own it has nothing to serve.
        status = program.start(listen_pid="1").wait(timeout=20)
        self.assertEqual(status, 1)
        self.assertIn("no --socket given and no socket passed by systemd", program.log())

    def test_stop_and_start_under_load_lose_no_request(self):
        program = self.activated("restarted")
        program.start()
        self.wait_until_served(program)
        results = {"ok": 0, "failures": []}
        lock = threading.Lock()
        stop = threading.Event()

        def client():
            while not stop.is_set():
                try:
                    out = fastcgi.get(program.path, "/login", timeout=20)
                    failure = None if MARKER in out else "unexpected answer: %r" % out[:200]
                except (ConnectionError, OSError) as e:
                    failure = "%s: %s" % (type(e).__name__, e)
                with lock:
                    if failure:
                        results["failures"].append(failure)
                    else:
                        results["ok"] += 1

        # More clients than workers keep the queue from ever emptying: a stop must still be
        # taken between two requests, not by the supervisor's deadline in the middle of one.
        clients = [threading.Thread(target=client) for _ in range(16)]
        for thread in clients:
            thread.start()
        try:
            for _ in range(3):
                time.sleep(0.7)
                self.assertEqual(program.stop(), 0, program.log())
                with lock:
                    served_by_the_old_program = results["ok"]
                program.start()
                # How soon the new program answers depends on the machine (a sanitizer build
                # beside other tests takes seconds to start), so wait for its first answer.
                self.assertTrue(self.wait_for(lambda: results["ok"] > served_by_the_old_program, lock),
                                "no request was served after a restart")
        finally:
            stop.set()
            for thread in clients:
                thread.join(timeout=30)
        self.assertEqual(results["failures"], [])
        self.assertGreater(results["ok"], 100)
        self.assertNotIn("did not stop", program.log())


if __name__ == "__main__":
    unittest.main()

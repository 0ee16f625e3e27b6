#!/usr/bin/python3
"""deploy/run-local.sh: the private stack of `make run`, its restarts, refusals and clean stops."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from routes import routes  # noqa: E402
from stack import REPO_DIR, Stack, route_processes, stack_processes  # noqa: E402

stack = Stack("deploy-run-local")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class RunLocalTest(unittest.TestCase):
    def test_login_page_is_served_with_the_navigation(self):
        page = Visitor(stack.url).get("/login")
        self.assertEqual(page.status_code, 200)
        self.assertIn("<title>Sign In - Microblog</title>", page.text)
        self.assertRegex(page.text, r"Microblog:</span>\s*<a href=\"/index\">Home</a>\s*<a href=\"/login\">Login</a>")
        self.assertEqual(page.headers.get("X-Frame-Options"), "DENY")
        self.assertEqual(page.headers.get("X-Content-Type-Options"), "nosniff")

    def test_the_ready_line_names_the_url(self):
        self.assertIn("Microblog is running at http://127.0.0.1:%d/" % stack.port, stack.startup_output)

    def test_a_killed_worker_is_replaced_and_pages_keep_being_served(self):
        supervisor, workers = route_processes(stack, "index")
        self.assertIsNotNone(supervisor)
        self.assertEqual(len(workers), stack.workers)
        os.kill(workers[0], signal.SIGKILL)
        visitor = Visitor(stack.url)
        deadline = time.monotonic() + 3
        replaced = False
        while time.monotonic() < deadline:
            self.assertEqual(visitor.get("/login").status_code, 200)
            _, now = route_processes(stack, "index")
            if len(now) == stack.workers and workers[0] not in now:
                replaced = True
                break
            time.sleep(0.05)
        self.assertTrue(replaced, "no replacement worker within 3 s")
        for _ in range(20):
            self.assertEqual(visitor.get("/login").status_code, 200)

    def test_a_second_stack_in_the_same_folder_is_refused(self):
        env = dict(os.environ, VAR_DIR=stack.var_dir, PORT=str(stack.port + 1),
                   BUILD_DIR=os.environ.get("MICROBLOG_BUILD_DIR", os.path.join(REPO_DIR, "build")))
        twin = subprocess.run([os.path.join(REPO_DIR, "deploy", "run-local.sh")], env=env,
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(twin.returncode, 0)
        self.assertIn("already running", twin.stderr)
        self.assertEqual(Visitor(stack.url).get("/login").status_code, 200)

    def test_the_demo_users_and_posts_are_seeded_with_unusable_passwords(self):
        posts = stack.sql("SELECT u.username, p.body FROM posts p JOIN users u ON u.id = p.user_id "
                          "WHERE u.username IN ('john', 'susan') ORDER BY p.timestamp, p.id")
        self.assertEqual(posts, [["john", "Beautiful day in Portland!"],
                                 ["susan", "The Avengers movie was so cool!"]])
        hashes = dict(stack.sql("SELECT username, password_hash FROM users WHERE username IN ('john', 'susan')"))
        self.assertEqual(sorted(hashes), ["john", "susan"])
        self.assertTrue(all(h.startswith("$y$") for h in hashes.values()), hashes)
        self.assertNotEqual(hashes["john"], hashes["susan"])
        # Their passwords are random and forgotten: the obvious guesses do not open them.
        for guess in ("john", "susan", "password", "cat", "dog"):
            self.assertEqual(Visitor(stack.url).login("susan", guess).headers.get("Location"), "/login")

    def test_the_secret_key_is_private(self):
        mode = os.stat(os.path.join(stack.var_dir, "secrets", "secret_key")).st_mode & 0o777
        self.assertEqual(mode, 0o600)


class RestartTest(unittest.TestCase):
    """Stops and starts the module's stack and leaves it serving: unittest sorts classes by name,
    so RunLocalTest and WorkerCountTest meet the restarted stack."""

    def test_stop_and_start_keeps_users_sessions_and_schema(self):
        visitor = Visitor(stack.url)
        name = visitor.signed_up_and_in("keep", remember_me=True)
        key_before = open(os.path.join(stack.var_dir, "secrets", "secret_key")).read()

        self.assertEqual(stack.stop(), 0)
        self.assertEqual(stack_processes(stack), [], "processes left after stopping")
        self.assertEqual([f for f in os.listdir(os.path.join(stack.var_dir, "run")) if f.endswith(".sock")], [])

        stack.start()
        self.assertNotIn("migrate: applied", stack.startup_output)
        self.assertNotIn("seed:", stack.startup_output)
        self.assertEqual(open(os.path.join(stack.var_dir, "secrets", "secret_key")).read(), key_before)
        # The remembered session survived: same secret, same database.
        home = visitor.get("/index")
        self.assertEqual(home.status_code, 200)
        self.assertIn("Hi, %s!" % name, home.text)
        # And the account can sign in afresh.
        again = Visitor(stack.url)
        self.assertEqual(again.login(name).headers.get("Location"), "/index")


class WorkerCountTest(unittest.TestCase):
    """Without WORKERS, the worker counts follow the machine (deploy/run-local.sh)."""

    def test_one_worker_per_core_and_at_least_two_for_every_route(self):
        chosen = Stack("deploy-workers", workers=None)
        self.addCleanup(chosen.stop)
        chosen.start()
        cores = len(os.sched_getaffinity(0))  # what nproc counts
        per_route = max(2, cores)
        for route in routes():
            with self.subTest(route=route):
                # The ready line needs only /login to answer: the sockets are held for the
                # programs, so one still loading (the word list, slow under the sanitizers)
                # forks its workers a moment later.
                deadline = time.monotonic() + 60
                supervisor, workers = route_processes(chosen, route)
                while len(workers) != per_route and time.monotonic() < deadline:
                    time.sleep(0.2)
                    supervisor, workers = route_processes(chosen, route)
                self.assertIsNotNone(supervisor)
                self.assertEqual(len(workers), per_route)
        with open(os.path.join(chosen.var_dir, "nginx", "conf", "nginx.conf")) as f:
            self.assertIn("worker_processes %d;" % max(1, cores // 2), f.read())


class ConfigOverridesTest(unittest.TestCase):
    """CONFIG_OVERRIDES replaces settings of the stack's configuration file (tests/support/stack.py)."""

    def test_an_override_reaches_the_programs(self):
        overridden = Stack("deploy-overrides", workers=2, config={"workers": 3})
        self.addCleanup(overridden.stop)
        overridden.start()
        supervisor, workers = route_processes(overridden, "login")
        self.assertEqual(len(workers), 3)

    def test_an_unknown_setting_stops_the_start(self):
        wrong = Stack("deploy-overrides-wrong", config={"no_such_setting": 1})
        self.addCleanup(wrong.stop)
        with self.assertRaises(RuntimeError):
            wrong.start(timeout=60)
        with open(wrong.output_path) as output:
            self.assertIn("CONFIG_OVERRIDES names no_such_setting, which is no setting", output.read())


class PortTakenTest(unittest.TestCase):
    def test_a_port_another_server_takes_during_start_up_is_never_reported_running(self):
        """The early check finds the port free; another web server starts listening on it before
        nginx binds. Its answers must not make run-local say the stack runs."""
        taken = Stack("deploy-port-taken")
        self.addCleanup(taken.stop)
        impostor = socket.socket()  # bound now, so the port's connections are refused...
        impostor.bind(("127.0.0.1", taken.port))
        self.addCleanup(impostor.close)
        stop = threading.Event()
        self.addCleanup(stop.set)

        def serve_once_the_database_starts():  # ...until the stack is past its early check
            socket_path = os.path.join(taken.var_dir, "run", "mysqld.sock")
            while not os.path.exists(socket_path) and not stop.is_set():
                time.sleep(0.05)
            impostor.listen(16)
            impostor.settimeout(0.2)
            while not stop.is_set():
                try:
                    connection, _ = impostor.accept()
                except OSError:
                    continue
                with connection:
                    connection.recv(4096)
                    connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")

        threading.Thread(target=serve_once_the_database_starts, daemon=True).start()
        with self.assertRaises(RuntimeError) as refused:
            taken.start(timeout=60)
        self.assertNotIn("Microblog is running at", str(refused.exception))
        self.assertIn("Address already in use", str(refused.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""A private Microblog stack for one test module: deploy/run-local.sh in its own folder on its own port."""
import os
import signal
import re
import subprocess
import threading
import time

from ports import free_port  # noqa: F401 (tests import it from here)

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("MICROBLOG_BUILD_DIR", os.path.join(REPO_DIR, "build"))
# Short, because unix socket paths under it are limited to 107 bytes.
TEST_VAR_ROOT = os.environ.get("MICROBLOG_TEST_VAR", os.path.join(BUILD_DIR, "t"))
READY_LINE = "Microblog is running at "
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
# Test stacks sign in and register from 127.0.0.1 far more often than one person could, so
# their nginx rate limits never bite unless a test sets its own (tests/nginx/test_rate_limits.py);
# make run keeps the configuration file's.
UNLIMITED_RATES = {"login_rate_per_minute": 100000, "register_rate_per_minute": 100000,
                   "rate_burst": 100000}


class Stack:
    """Start with start(); stop() always, e.g. via unittest.addModuleCleanup(stack.stop)."""

    def __init__(self, name, workers=2, fresh=True, config=None):
        """workers=None leaves WORKERS unset, so deploy/run-local.sh chooses. config: settings
        of microblog.conf to replace ({"throttle_failures": 3}), via CONFIG_OVERRIDES, over
        UNLIMITED_RATES."""
        self.name = name
        self.config = dict(UNLIMITED_RATES, **(config or {}))
        self.var_dir = os.path.join(TEST_VAR_ROOT, name)
        self.port = free_port()
        self.workers = workers
        self.process = None
        if fresh:
            subprocess.run(["rm", "-rf", self.var_dir], check=True)
        os.makedirs(self.var_dir, exist_ok=True)
        self.output_path = os.path.join(TEST_VAR_ROOT, name + ".out")

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=90):
        env = dict(os.environ, VAR_DIR=self.var_dir, PORT=str(self.port), BUILD_DIR=BUILD_DIR)
        env.pop("WORKERS", None)
        env["CONFIG_OVERRIDES"] = " ".join("%s=%s" % item for item in self.config.items())
        if self.workers is not None:
            env["WORKERS"] = str(self.workers)
        self.output = open(self.output_path, "a+")
        self.process = subprocess.Popen(
            [os.path.join(REPO_DIR, "deploy", "run-local.sh")], env=env, stdout=subprocess.PIPE,
            stderr=self.output, text=True, start_new_session=True)
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith(READY_LINE):
                self.startup_output = "".join(lines)
                self._read_later_output()
                return self
        self.stop()
        raise RuntimeError("stack %s did not start:\n%s\n%s" % (self.name, "".join(lines), self.log_tail()))

    def _read_later_output(self):
        """Keeps reading run-local.sh's standard output after the READY line (the mailer's
        "mail to ... written to" lines), as a terminal would: a pipe nobody reads fills up and
        then blocks the mailer. wait_output() finds lines in it."""
        self.later_output = []
        self.output_changed = threading.Condition()
        stdout = self.process.stdout

        def read():
            try:
                for line in stdout:
                    with self.output_changed:
                        self.later_output.append(line.rstrip("\n"))
                        self.output_changed.notify_all()
            except (ValueError, OSError):  # closed by stop()
                pass

        threading.Thread(target=read, daemon=True).start()

    def wait_output(self, pattern, timeout=20):
        """The lines run-local.sh printed after its READY line, from the first one matching the
        regular expression `pattern` on, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with self.output_changed:
            while True:
                for i, line in enumerate(self.later_output):
                    if re.search(pattern, line):
                        return self.later_output[i:]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("run-local.sh never printed %r; it printed %r" % (
                        pattern, self.later_output))
                self.output_changed.wait(left)

    def stop(self, timeout=60):
        """Stops the stack as Ctrl-C would; returns run-local.sh's exit status."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            status = process.wait()
        process.stdout.close()
        self.output.close()
        self.check_sanitizer_reports()
        return status

    def check_sanitizer_reports(self):
        """Under `make test-sanitize` a report lands in a program's log, maybe from a worker whose
        crash the test never saw: fail the test file then, naming the log."""
        log_dir = os.path.join(self.var_dir, "log")
        for name in sorted(os.listdir(log_dir)) if os.path.isdir(log_dir) else []:
            with open(os.path.join(log_dir, name), errors="replace") as f:
                text = f.read()
            for marker in SANITIZER_MARKERS:
                if marker in text:
                    start = text.index(marker)
                    raise AssertionError("sanitizer report in %s:\n%s" % (name, text[start:start + 3000]))

    def restart(self):
        self.stop()
        return self.start()

    def log_tail(self, lines=30):
        out = []
        for name in sorted(os.listdir(os.path.join(self.var_dir, "log"))) if os.path.isdir(
                os.path.join(self.var_dir, "log")) else []:
            with open(os.path.join(self.var_dir, "log", name), errors="replace") as f:
                out.append("== %s\n%s" % (name, "".join(f.readlines()[-lines:])))
        return "\n".join(out)

    def sql(self, statement):
        """Runs SQL as the database administrator (tests only); returns rows as lists of strings."""
        admin = "root" if os.geteuid() == 0 else os.environ.get("USER", "")
        result = subprocess.run(
            ["mariadb", "--no-defaults", "--socket=" + os.path.join(self.var_dir, "run", "mysqld.sock"),
             "-u", admin, "--batch", "--skip-column-names", "microblog", "-e", statement],
            check=True, capture_output=True, text=True)
        return [line.split("\t") for line in result.stdout.splitlines()]


class SqlSession:
    """One open connection of the database administrator, for a test that must hold a lock or a
    transaction while requests run: send() statements one at a time, read_line() their output."""

    def __init__(self, stack):
        admin = "root" if os.geteuid() == 0 else os.environ.get("USER", "")
        self.process = subprocess.Popen(
            ["mariadb", "--no-defaults", "--socket=" + os.path.join(stack.var_dir, "run", "mysqld.sock"),
             "-u", admin, "--batch", "--unbuffered", "--skip-column-names", "microblog"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def send(self, statement):
        self.process.stdin.write(statement + ";\n")
        self.process.stdin.flush()

    def read_line(self):
        return self.process.stdout.readline().strip()

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sql_text(text):
    """`text` as an SQL expression, independent of the mariadb client's character set."""
    return "CONVERT(X'%s' USING utf8mb4)" % text.encode().hex()


def _processes():
    """(pid, ppid, cmdline) of every process, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        found.append((int(entry), ppid, cmdline))
    return found


def route_processes(stack, route):
    """(supervisor pid, sorted worker pids) of one route program of `stack`."""
    marker = os.path.join(stack.var_dir, "run", route + ".sock")
    matching = {pid: ppid for pid, ppid, cmdline in _processes() if marker in cmdline}
    supervisors = [pid for pid, ppid in matching.items() if ppid not in matching]
    if len(supervisors) != 1:
        return None, []
    supervisor = supervisors[0]
    return supervisor, sorted(pid for pid, ppid in matching.items() if ppid == supervisor)


def stack_processes(stack):
    """Every process whose command line names the stack's folder."""
    # The folder as a whole path: "tools-mailer" must not match "tools-mailer-file".
    inside = re.compile(re.escape(stack.var_dir) + r"(/|\s|$)")
    return [(pid, cmdline) for pid, _, cmdline in _processes() if inside.search(cmdline)]

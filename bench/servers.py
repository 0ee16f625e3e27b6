"""The servers make bench starts and measures: our own stack (deploy/run-local.sh in a folder of
its own) and the ceiling, a second nginx with the stack's settings serving one static file.
Both listen on 127.0.0.1 only and are always stopped by their stop()."""
import os
import re
import selectors
import signal
import socket
import subprocess
import threading
import time

import cpu

READY_LINE = "Microblog is running at "
START_TIMEOUT_SECONDS = 180  # the first start creates the database
STOP_TIMEOUT_SECONDS = 60
DEFAULT_PASSWORD_COST = 5  # the programs' own default (core/server/config.h)
IDLE_TIMEOUT_SECONDS = 20
IDLE_SAMPLE_SECONDS = 0.5
IDLE_TICKS_PER_SAMPLE = 2  # 2 of 50 possible ticks per core in half a second: about idle
# The highest rate limits the configuration allows (docs/configuration.md): the load comes from
# one address. And room for a session per connection of one user (32 by default, beside the
# sign-in scenario's): the default keeps a user's newest 20.
# What every response of the stack carries, so the ceiling's responses are as large.
SECURITY_HEADERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "nginx",
                                "security-headers.conf")
UNLIMITED_RATES = {"login_rate_per_minute": 100000, "register_rate_per_minute": 100000,
                   "rate_burst": 100000, "max_sessions_per_user": 10000}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop_process(process, stop_signal):
    """Asks a process started in its own session to stop; kills its group if it will not."""
    if process.poll() is None:
        process.send_signal(stop_signal)
    try:
        return process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


def drain_in_background(stream):
    """Reads what run-local.sh prints after its READY line (the mailer's lines for each mail
    written, many in the reset scenario) and drops it: a pipe nobody reads fills and blocks
    the mailer."""
    def drain():
        try:
            for _ in stream:
                pass
        except (ValueError, OSError):  # closed by stop()
            pass
    threading.Thread(target=drain, daemon=True).start()


class OurStack:
    """deploy/run-local.sh with its own VAR_DIR and port; WORKERS is left to the script."""

    def __init__(self, repo_dir, build_dir, var_dir, log_path):
        self.repo_dir = repo_dir
        self.build_dir = build_dir
        self.var_dir = var_dir
        self.log_path = log_path
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def run_dir(self):
        return os.path.join(self.var_dir, "run")

    def start(self):
        os.makedirs(self.var_dir, exist_ok=True)
        env = dict(os.environ, VAR_DIR=self.var_dir, PORT=str(self.port), BUILD_DIR=self.build_dir)
        # The script's own default number of workers is what is being measured.
        env.pop("WORKERS", None)
        # The scenarios sign in and register from 127.0.0.1 many times a second: nginx's rate
        # limits for one client address (make run's) would refuse most of them.
        env["CONFIG_OVERRIDES"] = " ".join(
            ["%s=%d" % item for item in UNLIMITED_RATES.items()] + [env.get("CONFIG_OVERRIDES", "")]).strip()
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [os.path.join(self.repo_dir, "deploy", "run-local.sh")], env=env,
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL, text=True,
            start_new_session=True)
        log.close()
        if not self._await_ready_line():
            self.stop()
            raise RuntimeError("our stack did not start; see %s" % self.log_path)

    def _await_ready_line(self):
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not selector.select(timeout=1):
                    continue
                line = self.process.stdout.readline()
                if not line:
                    return False
                if line.startswith(READY_LINE):
                    drain_in_background(self.process.stdout)
                    return True
        return False

    def stop(self):
        """As Ctrl-C would: run-local.sh stops everything it started. Returns its exit status."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        status = stop_process(process, signal.SIGTERM)
        process.stdout.close()
        return status

    def config_value(self, key):
        with open(os.path.join(self.var_dir, "microblog.conf")) as config:
            for line in config:
                match = re.match(r"\s*%s\s*=\s*(\S+)" % re.escape(key), line)
                if match:
                    return match.group(1)
        return None

    def password_cost(self):
        value = self.config_value("password_cost")
        return int(value) if value is not None else DEFAULT_PASSWORD_COST

    def nginx_conf(self):
        with open(os.path.join(self.var_dir, "nginx", "conf", "nginx.conf")) as conf:
            return conf.read()

    def sql(self, statement, timeout=600):
        """Runs SQL as the database administrator; returns the rows as lists of strings."""
        admin = "root" if os.geteuid() == 0 else os.environ.get("USER", "")
        result = subprocess.run(
            ["mariadb", "--no-defaults", "--default-character-set=utf8mb4",
             "--socket=" + os.path.join(self.run_dir, "mysqld.sock"), "-u", admin, "--batch",
             "--skip-column-names", "microblog"],
            input=statement, check=True, capture_output=True, text=True, timeout=timeout)
        return [line.split("\t") for line in result.stdout.splitlines()]

    def log_sizes(self):
        log_dir = os.path.join(self.var_dir, "log")
        return {name: os.path.getsize(os.path.join(log_dir, name))
                for name in sorted(os.listdir(log_dir))}


# ---------------------------------------------------------------- FastCGI processes and memory

def _argv(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
        return [arg.decode(errors="replace") for arg in cmdline.read().split(b"\0")]


def _parent(pid):
    with open("/proc/%d/stat" % pid) as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _socket_arg(argv):
    for i, arg in enumerate(argv):
        if arg == "--socket" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--socket="):
            return arg[len("--socket="):]
    return None


def _kib_field(path, name):
    """A "Name:   123 kB" line's value in MiB, or None when the file has no such line."""
    with open(path) as fields:
        for line in fields:
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
    return None


def memory_mib(pid):
    """(RSS, PSS) of a process in MiB. RSS counts every page it maps in full, shared library
    pages too; PSS divides each page among the processes that map it. PSS is None where the
    kernel has no smaps_rollup (before Linux 4.14) or will not show it to us."""
    rss = _kib_field("/proc/%d/status" % pid, "VmRSS")
    try:
        pss = _kib_field("/proc/%d/smaps_rollup" % pid, "Pss")
    except PermissionError:
        pss = None
    except FileNotFoundError:
        if not os.path.exists("/proc/%d" % pid):
            raise  # the process is gone, not the file
        pss = None
    return rss, pss


def fastcgi_processes(run_dir):
    """Every FastCGI process of a stack: those serving a socket in its run folder (MariaDB's
    mysqld.sock aside). Returns dicts with pid, route, role (supervisor or worker), rss_mib and
    pss_mib; a supervisor is a process whose parent is not one of them."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            socket_path = _socket_arg(_argv(pid))
            if (socket_path and os.path.dirname(socket_path) == run_dir
                    and socket_path.endswith(".sock")
                    and os.path.basename(socket_path) != "mysqld.sock"):
                rss, pss = memory_mib(pid)
                found[pid] = {"pid": pid, "parent": _parent(pid), "rss_mib": rss, "pss_mib": pss,
                              "route": os.path.basename(socket_path)[:-len(".sock")]}
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    for process in found.values():
        process["role"] = "worker" if process.pop("parent") in found else "supervisor"
    return sorted(found.values(), key=lambda p: (p["route"], p["role"] != "supervisor", p["pid"]))


def wait_until_idle(var_dir, timeout=IDLE_TIMEOUT_SECONDS):
    """Waits until the stack has finished the work a load left behind (requests queued when wrk
    stopped, MariaDB's purge), so the next measurement starts from an idle stack. Returns
    whether it became idle within the timeout."""
    deadline = time.monotonic() + timeout
    previous = cpu.processes_ticks([var_dir])
    while time.monotonic() < deadline:
        time.sleep(IDLE_SAMPLE_SECONDS)
        current = cpu.processes_ticks([var_dir])
        if current - previous <= IDLE_TICKS_PER_SAMPLE:
            return True
        previous = current
    return False


# ---------------------------------------------------------------- the ceiling

def _directive(conf, name, default):
    match = re.search(r"^\s*%s\s+([^;]+);" % re.escape(name), conf, re.M)
    return match.group(1).strip() if match else default


class CeilingServer:
    """A second nginx with our stack's process and connection settings, serving one file the
    size of the signed-in home page: the most requests per second nginx itself manages for a
    page of that size on this machine."""

    PATH = "/page.html"
    MARKER = "<!-- make bench ceiling -->"

    def __init__(self, folder, stack_conf, page_bytes):
        self.folder = folder
        self.port = free_port()
        self.process = None
        os.makedirs(os.path.join(folder, "tmp"), exist_ok=True)
        self._write_page(page_bytes)
        self._write_conf(stack_conf)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _write_page(self, page_bytes):
        filler = max(0, page_bytes - len(self.MARKER))
        with open(os.path.join(self.folder, "page.html"), "w") as page:
            page.write(self.MARKER + ("x" * 79 + "\n") * (filler // 80) + "x" * (filler % 80))

    def _write_conf(self, stack_conf):
        """The settings that decide nginx's own speed are copied from the stack's nginx.conf;
        the access log too, since writing it is part of what every request of the stack costs,
        and the security headers every response of the stack carries (nginx/)."""
        user = re.search(r"^\s*user\s+[^;]+;", stack_conf, re.M)
        access_log = _directive(stack_conf, "access_log", "logs/access.log")
        folder = self.folder
        lines = [
            user.group(0).strip() if user else "",
            "worker_processes %s;" % _directive(stack_conf, "worker_processes", "1"),
            "daemon off;",
            "pid %s/nginx.pid;" % folder,
            "error_log %s/error.log warn;" % folder,
            "events { worker_connections %s; }" % _directive(stack_conf, "worker_connections",
                                                             "512"),
            "http {",
            "    types { text/html html; }",
            "    access_log %s;" % ("off" if access_log == "off" else folder + "/access.log"),
            "    sendfile %s;" % _directive(stack_conf, "sendfile", "off"),
            "    keepalive_timeout %s;" % _directive(stack_conf, "keepalive_timeout", "75s"),
            "    server_tokens off;",
        ] + ["    %s_temp_path %s/tmp/%s;" % (kind, folder, kind)
             for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")] + [
            "    server {",
            "        listen 127.0.0.1:%d;" % self.port,
            "        set $microblog_hsts \"\";",
            # The home page's own policy (nginx/microblog.conf maps it per path).
            "        set $microblog_referrer_policy same-origin;",
            "        include %s;" % SECURITY_HEADERS,
            "        location = %s { alias %s/page.html; }" % (self.PATH, folder),
            "        location / { return 404; }",
            "    }",
            "}",
        ]
        with open(os.path.join(folder, "nginx.conf"), "w") as conf:
            conf.write("# make bench's ceiling, written on each run from the stack's nginx.conf\n")
            conf.write("\n".join(lines) + "\n")

    def start(self):
        folder = self.folder
        # A leftover log from an earlier run would only grow.
        for name in ("access.log", "error.log"):
            if os.path.exists(os.path.join(folder, name)):
                os.remove(os.path.join(folder, name))
        self.process = subprocess.Popen(
            ["nginx", "-p", folder + "/", "-c", folder + "/nginx.conf",
             "-e", folder + "/error.log"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True)
        if not wait_for_port(self.port, self.process, timeout=10):
            self.stop()
            raise RuntimeError("the ceiling nginx did not start; see %s/error.log" % folder)

    def stop(self):
        if self.process is None:
            return
        process, self.process = self.process, None
        stop_process(process, signal.SIGQUIT)
        access_log = os.path.join(self.folder, "access.log")
        if os.path.exists(access_log):
            os.remove(access_log)

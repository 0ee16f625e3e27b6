"""make bench: how fast our pages are, against what bounds them on this machine.

Starts a private stack (deploy/run-local.sh on its own port and folder under build/bench/),
registers and signs in its own user, then loads one scenario after another with wrk on
127.0.0.1, checking every answer. Compares the home page with the ceiling (nginx serving a
static file of the same size with the same settings) and POST /login with the hash bound
(password verifications per second with one process per core). With COMPARE=URL it then
measures another deployment of the same pages the same way, after ours has stopped.

SCALE=large runs two stacks side by side and compares them: a small database whose home page is
full (the demo data and 30 seeded posts, in build/bench/var-full) and a large one (100,000 users
and 1,000,000 posts, in build/bench/var-large). Both show the page's 25 posts, so the comparison
isolates table size. This machine's speed drifts over minutes, so each scenario is measured on
the small stack and at once on the large one, the idle one waiting meanwhile; the two scenarios
the large database is held to (report.LARGE_SMALL_KEY_SCENARIOS) are measured in two such rounds.
Without SCALE the stack has only the demo data, as the PHP-FPM peer does.

Environment: BUILD_DIR (absolute), DURATION (wrk's -d, default 10s), CONNECTIONS (32),
THREADS (one per four cores, at least one), SCALE (large), COMPARE, COMPARE_USER, COMPARE_PASSWORD,
CLUSTER (no: leave out the cluster scenario). Exits 1 when any scenario failed, 2 when it could
not run.

Run as root, it ends with the cluster scenario (bench/cluster_scenario.py): the signed-in home
page through a front nginx to one app host, then to two, on a 3-node Galera cluster, every host a
network namespace of this machine.
"""
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse

# No __pycache__ folder beside the sources in the checkout; so bench's own modules are imported
# only after this line.
sys.dont_write_bytecode = True

import browser
import cpu
import load
import report
import seed
from servers import CeilingServer, OurStack, fastcgi_processes, wait_until_idle

REPO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HASH_BOUND_SECONDS = 5
# Another deployment's processes are not ours to watch: a pause instead of waiting until idle.
COMPARE_PAUSE_SECONDS = 3
BUSY_SAMPLE_SECONDS = 2
BUSY_WARNING_PERCENT = 10
# SCALE=large: rounds of the scenarios the large database is held to (small, large, small,
# large), so the report shows how far the ratio moves from one round to the next.
KEY_SCENARIO_ROUNDS = 2
SMALL_STACK_NAME = "our small stack"
LARGE_STACK_NAME = "our large stack"
# Log lines that mean something went wrong; nginx marks its own with a level in brackets.
LOG_PROBLEM = re.compile(r"\[(warn|error|crit|alert|emerg)\]|warning|error|fail|crash|abort|"
                         r"killed|signal|exception|sanitizer", re.I)
LOG_RUN_MARKER = re.compile(r"^--- .* run-local: starting ")


def say(message):
    print("bench: " + message, file=sys.stderr, flush=True)


class UsageError(Exception):
    pass


# ---------------------------------------------------------------- settings

def _positive(name, default):
    text = os.environ.get(name) or str(default)
    if not re.fullmatch(r"[1-9][0-9]{0,4}", text):
        raise UsageError("%s must be a positive number, not %r" % (name, text))
    return int(text)


def _loopback_url(url):
    """Only a site on 127.0.0.1 may be loaded: the load generator never leaves this machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.path not in ("", "/"):
        raise UsageError("COMPARE must look like http://127.0.0.1:PORT, not %r" % url)
    return "http://127.0.0.1:%d" % (parts.port or 80)


class Settings:
    def __init__(self, env):
        self.build_dir = env.get("BUILD_DIR") or os.path.join(REPO_DIR, "build")
        if not os.path.isabs(self.build_dir):
            raise UsageError("BUILD_DIR must be an absolute path")
        duration = env.get("DURATION") or "10s"
        if not re.fullmatch(r"[1-9][0-9]{0,3}[smh]?", duration):
            raise UsageError("DURATION must be a wrk duration such as 10s or 1m, not %r" % duration)
        # wrk shares the machine with the stack it measures: one thread per four cores leaves the
        # stack most of them (on 2 cores, two wrk threads beside nginx stretched every
        # scenario's p99 through time slicing: docs/performance.md).
        default_threads = max(1, (os.cpu_count() or 1) // 4)
        self.load = load.Load(_positive("THREADS", default_threads), _positive("CONNECTIONS", 32),
                              duration)
        if self.load.connections < self.load.threads:
            raise UsageError("CONNECTIONS must be at least THREADS")
        self.scale = env.get("SCALE") or "small"
        if self.scale not in ("small", "large"):
            raise UsageError("SCALE must be large (or unset), not %r" % self.scale)
        self.compare = _loopback_url(env["COMPARE"]) if env.get("COMPARE") else None
        self.compare_user = env.get("COMPARE_USER") or ""
        self.compare_password = env.get("COMPARE_PASSWORD") or ""
        if self.compare and not (self.compare_user and self.compare_password):
            raise UsageError("COMPARE needs COMPARE_USER and COMPARE_PASSWORD of an account there")
        self.cluster = os.geteuid() == 0 and env.get("CLUSTER") != "no"
        self.out_dir = os.path.join(self.build_dir, "bench")
        # Short: the stack's Unix socket paths under it must stay within 107 bytes.
        self.var_dir = os.path.join(self.out_dir, "var-large" if self.scale == "large" else "var")
        # With SCALE=large, the small database, for the large one to be held to.
        self.full_page_var_dir = (os.path.join(self.out_dir, "var-full")
                                  if self.scale == "large" else None)

    def summary(self):
        return {"threads": self.load.threads, "connections": self.load.connections,
                "duration": self.load.duration, "scale": self.scale, "compare": self.compare,
                "cluster": self.cluster,
                "cores": len(os.sched_getaffinity(0))}


# ---------------------------------------------------------------- identities for the load

def random_password():
    """20 random letters and digits: long enough and nothing like a dictionary word."""
    return secrets.token_urlsafe(15).replace("-", "x").replace("_", "y")


def signed_in_identities(url, username, password, count):
    """`count` separate sign-ins of one user, so every connection has its own session; also
    returns the home page's body, as the first of them sees it."""
    browsers = [browser.signed_in(url, username, password) for _ in range(count)]
    home = browser.home_page(browsers[0], username)
    return [(visitor.cookie_header(), "") for visitor in browsers], home


def visitor_identities(url, form_path, count, body_for_token):
    identities = []
    for _ in range(count):
        cookie, token = browser.visitor_with_token(url, form_path)
        identities.append((cookie, body_for_token(token)))
    return identities


# ---------------------------------------------------------------- the scenarios

class Site:
    """A deployment under test: where it is, whose account to use, how strictly to match its
    redirects (ours exactly; another deployment may send absolute URLs)."""

    def __init__(self, label, url, username, password, exact_locations, settle, markers=()):
        self.label = label
        self.url = url
        self.username = username
        self.password = password
        self.exact_locations = exact_locations
        self.settle = settle  # waits until the previous load's after-effects are over
        # Folders named in the command lines of the site's processes, when they are ours to
        # watch: then the CPU time of other work during each load is measured.
        self.markers = list(markers)
        self.home_page = b""

    def location(self, path):
        return {"location_exact": path} if self.exact_locations else {"location_suffix": path}


def login_get():
    return load.Scenario("login_get", "GET", "/login", 200, marker='name="csrf_token"')


def index_signed_in(site, count):
    identities, site.home_page = signed_in_identities(site.url, site.username, site.password,
                                                      count)
    return load.Scenario("index_signed_in", "GET", "/index", 200, identities,
                         marker=browser.greeting(site.username))


def index_visitor():
    return load.Scenario("index_visitor", "GET", "/index", 302, location_prefix="/login?next=")


def login_post(site, count):
    """Valid credentials with a visitor's cookies and token: signing in as the site's user.
    Never with the signed-in session cookie: with it the site redirects without checking."""
    identities = visitor_identities(site.url, "/login", count, lambda token: load.form_body(
        {"username": site.username, "password": site.password, "csrf_token": token}))
    return load.Scenario("login_post", "POST", "/login", 302, identities, need_set_cookie=True,
                         **site.location("/index"))


def register_post(site, count):
    """New users, named in scenario.lua from this prefix so every request registers another."""
    password = random_password()
    identities = visitor_identities(site.url, "/register", count, lambda token: (
        "username=@NAME@&email=@NAME@%40example.com&" + load.form_body(
            {"password": password, "password2": password, "csrf_token": token})))
    prefix = "b" + secrets.token_hex(4)
    return load.Scenario("register_post", "POST", "/register", 302, identities,
                         register_name_prefix=prefix, **site.location("/login"))


def reset_request_post(site, count, registered):
    """Reset requests for the addresses the register_post scenario `registered` just made (the
    same names, counted again per thread from 1), then for addresses nobody has: each known one
    queues a reset mail for the mailer of make run, each unknown one queues nothing, and both
    get the same answer."""
    identities = visitor_identities(site.url, "/reset_password_request", count, lambda token: (
        "email=@NAME@%40example.com&" + load.form_body({"csrf_token": token})))
    return load.Scenario("reset_request_post", "POST", "/reset_password_request", 302, identities,
                         register_name_prefix=registered.checks["register_name_prefix"],
                         **site.location("/login"))


# ---------------------------------------------------------------- measuring

class Run:
    """Everything one `make bench` measures, in the order it was measured."""

    def __init__(self, settings):
        self.settings = settings
        self.results = {"ours": {}, "theirs": {}}
        self.figures = {"settings": settings.summary()}
        if settings.full_page_var_dir:
            # The small database's stack: its results under "small", its figures in a dict of
            # their own; the large one's stay where a default run keeps ours.
            self.results = dict(small={}, **self.results)
            self.figures["small"] = {}
        self.wrk_dir = os.path.join(settings.out_dir, "wrk")

    def measure(self, site, scenario):
        result = self.run_load(site, scenario)
        self.results[site.label][scenario.name] = result
        return result

    def run_load(self, site, scenario, round_number=None):
        """One load of one scenario on a settled site. `round_number` tells the rounds of a
        scenario measured more than once apart, in the progress lines and wrk's files."""
        site.settle()
        name, file_label = scenario.name, site.label
        if round_number is not None:
            name += " round %d" % round_number
            file_label += "-round%d" % round_number
        say("%s: %s for %s" % (site.label, name, self.settings.load.duration))
        start = cpu.sample(site.markers)
        result = load.run(scenario, site.url, self.settings.load, self.wrk_dir, file_label)
        if site.markers:
            result["other_work_percent"] = cpu.other_work_percent(site.markers, start)
        return result

    def measure_ceiling(self, label, stack, page_bytes):
        folder = os.path.join(os.path.dirname(stack.var_dir), "ceiling")
        ceiling = CeilingServer(folder, stack.nginx_conf(), page_bytes)
        try:
            ceiling.start()
            say("the ceiling serves a static file of %d bytes" % page_bytes)
            self.measure(Site(label, ceiling.url, "", "", True, lambda: None,
                              [folder, stack.var_dir]),
                         load.Scenario("ceiling", "GET", CeilingServer.PATH, 200,
                                       marker=CeilingServer.MARKER))
        finally:
            stop_without_interruption(ceiling, "the ceiling nginx")

    def hash_bound_rate(self, site, cost, processes, moment):
        """Verifications per second, and the share of CPU time other work took meanwhile."""
        site.settle()
        say("hash bound %s login_post: yescrypt cost %d, %d processes for %d s" % (
            moment, cost, processes, HASH_BOUND_SECONDS))
        start = cpu.sample([])
        result = subprocess.run(
            [os.path.join(self.settings.build_dir, "bin", "hash-bound"), str(cost), str(processes),
             str(HASH_BOUND_SECONDS)], check=True, capture_output=True, text=True,
            timeout=HASH_BOUND_SECONDS + 60)
        return float(result.stdout.split()[1]), cpu.other_work_percent([], start)

    def measure_login_post(self, site, stack, count, figures):
        """POST /login between two measurements of the hash bound: on a machine whose speed
        drifts (other work, a busy host), their mean is the bound that applied meanwhile."""
        cost, processes = stack.password_cost(), len(os.sched_getaffinity(0))
        scenario = login_post(site, count)
        before, other_before = self.hash_bound_rate(site, cost, processes, "before")
        self.measure(site, scenario)
        after, other_after = self.hash_bound_rate(site, cost, processes, "after")
        figures["hash_bound"] = {"password_cost": cost, "processes": processes,
                                 "seconds": HASH_BOUND_SECONDS, "before": before, "after": after,
                                 "verifications_per_second": (before + after) / 2,
                                 "other_work_percent": max(other_before, other_after)}

    # ------------------------------------------------ our stacks

    def new_stack(self, var_dir):
        return OurStack(REPO_DIR, self.settings.build_dir, var_dir,
                        os.path.join(self.settings.out_dir, "stack.log"))

    def new_site(self, label, stack, settle):
        """One of our stacks as a site under test, with a user of its own registered on it."""
        site = Site(label, stack.url, "bench" + secrets.token_hex(4), random_password(), True,
                    settle, [stack.var_dir])
        browser.register(site.url, site.username, site.password)
        return site

    def measure_ours(self):
        if self.settings.full_page_var_dir:
            self.measure_side_by_side()
        else:
            self.measure_stack()

    def measure_stack(self):
        """Without SCALE: every scenario on our one stack."""
        stack = self.new_stack(self.settings.var_dir)
        say("starting our stack on %s (folder %s, output in %s)" % (
            stack.url, stack.var_dir, stack.log_path))
        try:
            stack.start()
            self._measure_stack(stack)
        finally:
            stop_without_interruption(stack, "our stack")

    def _measure_stack(self, stack):
        """Every scenario on one stack; its figures (home page, hash bound, memory, log lines)
        go into the run's figures."""
        figures = self.figures
        logs_before = stack.log_sizes()
        site = self.new_site("ours", stack, lambda: settle_stack(stack))
        count = self.settings.load.connections
        index_scenario = index_signed_in(site, count)
        figures["home_page_bytes"] = len(site.home_page)
        self.measure_ceiling("ours", stack, len(site.home_page))
        self.measure(site, login_get())
        self.measure(site, index_scenario)
        memory_after_index = fastcgi_processes(stack.run_dir)
        self.measure(site, index_visitor())
        self.measure_login_post(site, stack, count, figures)
        registered = register_post(site, count)
        self.measure(site, registered)
        self.measure(site, reset_request_post(site, count, registered))
        # Requests still queued when wrk stopped are being hashed: their 16 MiB regions are
        # transient, so memory is read once they are done.
        settle_stack(stack)
        figures["memory_mib"] = {"after_index_signed_in": memory_after_index,
                                 "at_end": fastcgi_processes(stack.run_dir)}
        figures["log_problems"] = new_log_problems(stack, logs_before)

    # ------------------------------------------------ SCALE=large: two stacks side by side

    def measure_side_by_side(self):
        """Both stacks run for the whole measurement, the one not under load idle, so each
        scenario can be measured on the small one and at once on the large one."""
        settings = self.settings
        started = []
        try:
            for var_dir, name in ((settings.full_page_var_dir, SMALL_STACK_NAME),
                                  (settings.var_dir, LARGE_STACK_NAME)):
                # Made once the one before listens: its port is then taken, not offered twice.
                stack = self.new_stack(var_dir)
                started.append((stack, name))
                say("starting %s on %s (folder %s, output in %s)" % (
                    name, stack.url, var_dir, stack.log_path))
                stack.start()
            self._measure_side_by_side(started[0][0], started[1][0])
        finally:
            for stack, name in reversed(started):
                stop_without_interruption(stack, name)

    def _measure_side_by_side(self, small, large):
        """Every scenario on both stacks, small then large. The small stack's figures go under
        "small", the large one's where a single stack's would."""
        stacks = [small, large]
        figures = [self.figures["small"], self.figures]
        logs_before = [stack.log_sizes() for stack in stacks]
        hash_password_bin = os.path.join(self.settings.build_dir, "bin", "hash-password")
        for stack, seeding, stack_figures in zip(stacks, (seed.FULL_PAGE, seed.LARGE), figures):
            stack_figures["seed_seconds"] = seed.seed(stack, seeding, hash_password_bin, say)
        # Work one stack left behind would slow the other's measurement: both settle.
        pair = [self.new_site(label, stack, lambda: settle_stacks(stacks))
                for label, stack in (("small", small), ("ours", large))]
        count = self.settings.load.connections
        index_scenarios = [index_signed_in(site, count) for site in pair]
        for site, stack_figures in zip(pair, figures):
            stack_figures["home_page_bytes"] = len(site.home_page)
        # nginx's settings are the same on both, and so is the page's size: one ceiling for both.
        self.measure_ceiling("small", small, len(pair[0].home_page))
        self.measure_both(pair, [login_get() for _ in pair])
        self.measure_both(pair, index_scenarios)
        memory_after_index = fastcgi_processes(large.run_dir)
        self.measure_both(pair, [index_visitor() for _ in pair])
        self.measure_login_post_both(pair, stacks, count)
        self.measure_both(pair, [register_post(site, count) for site in pair])
        # As for one stack: memory once the queued password hashes are done.
        settle_stacks(stacks)
        self.figures["memory_mib"] = {"after_index_signed_in": memory_after_index,
                                      "at_end": fastcgi_processes(large.run_dir)}
        for stack, before, stack_figures in zip(stacks, logs_before, figures):
            stack_figures["log_problems"] = new_log_problems(stack, before)

    def measure_both(self, pair, scenarios):
        """One scenario (one Scenario per site) on the small stack, then at once on the large
        one; the key scenarios in several such rounds, for their spread to show."""
        name = scenarios[0].name
        rounds = KEY_SCENARIO_ROUNDS if name in report.LARGE_SMALL_KEY_SCENARIOS else 1
        self.keep_rounds(pair, name, [self.measure_round(pair, scenarios, number, rounds)
                                      for number in range(1, rounds + 1)])

    def measure_round(self, pair, scenarios, number, rounds):
        """[small's result, large's] of one round."""
        round_number = number if rounds > 1 else None
        return [self.run_load(site, scenario, round_number)
                for site, scenario in zip(pair, scenarios)]

    def keep_rounds(self, pair, name, per_round):
        """Each side's result: its only round's, or the mean of its rounds (with the rounds)."""
        for side, site in enumerate(pair):
            rounds = [results[side] for results in per_round]
            self.results[site.label][name] = rounds[0] if len(rounds) == 1 else \
                mean_of_rounds(rounds)

    def measure_login_post_both(self, pair, stacks, count):
        """POST /login in rounds, each after a measurement of the hash bound of its own: each
        side's share of the bound is then taken against the machine's speed of that minute."""
        costs = {stack.password_cost() for stack in stacks}
        if len(costs) != 1:
            raise RuntimeError("the small and large stacks hash passwords at different costs "
                               "(%s): their sign-ins cannot be compared" % sorted(costs))
        cost, processes = costs.pop(), len(os.sched_getaffinity(0))
        scenarios = [login_post(site, count) for site in pair]
        per_round, bounds = [], []
        for number in range(1, KEY_SCENARIO_ROUNDS + 1):
            rate, other = self.hash_bound_rate(pair[0], cost, processes,
                                               "before round %d of" % number)
            bounds.append({"verifications_per_second": rate, "other_work_percent": other})
            results = self.measure_round(pair, scenarios, number, KEY_SCENARIO_ROUNDS)
            for result in results:
                set_hash_bound(result, rate)
            per_round.append(results)
        self.keep_rounds(pair, "login_post", per_round)
        self.figures["hash_bound_rounds"] = {"password_cost": cost, "processes": processes,
                                             "seconds": HASH_BOUND_SECONDS, "rounds": bounds}

    def measure_cluster(self):
        """The cluster scenario, in a process of its own (it enters the cluster's namespaces)."""
        say("cluster: 3 Galera nodes, 2 app hosts and a front in namespaces; home page signed in, "
            "through one app host, then two, for %s each" % self.settings.load.duration)
        load_settings = self.settings.load
        command = [sys.executable, os.path.join(REPO_DIR, "bench", "cluster_scenario.py"),
                   str(load_settings.threads), str(load_settings.connections),
                   load_settings.duration, self.wrk_dir]
        env = dict(os.environ, MICROBLOG_BUILD_DIR=self.settings.build_dir)
        log_path = os.path.join(self.settings.out_dir, "cluster.log")
        with open(log_path, "w") as log:
            done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True,
                                  timeout=600 + 2 * load_settings.seconds(), check=False)
        if done.returncode != 0:
            raise RuntimeError("the cluster scenario could not run; see %s" % log_path)
        self.results["cluster"] = json.loads(done.stdout)

    def measure_theirs(self):
        settings = self.settings
        site = Site("theirs", settings.compare, settings.compare_user, settings.compare_password,
                    False, lambda: time.sleep(COMPARE_PAUSE_SECONDS))
        self.figures["busy_percent_before_theirs"] = cpu.busy_percent(BUSY_SAMPLE_SECONDS)
        say("measuring %s as %s" % (site.url, site.username))
        count = settings.load.connections
        self.measure(site, login_get())
        self.measure(site, index_signed_in(site, count))
        self.measure(site, index_visitor())
        self.measure(site, login_post(site, count))
        self.measure(site, register_post(site, count))
        self.figures["their_home_page_bytes"] = len(site.home_page)


def set_hash_bound(result, rate):
    """A login_post result's hash bound, measured in its own round, and its share of it."""
    result["hash_bound_per_second"] = rate
    if not result["failed"] and rate:
        result["of_hash_bound"] = result["requests_per_second"] / rate


def _mean(values):
    return sum(values) / len(values)


def mean_of_rounds(rounds):
    """A scenario measured in rounds as one result, in the form the report's tables read: the
    rounds' mean requests/s, latencies and share of the hash bound, failed when any round
    failed, the most other work of any round; the rounds themselves under "rounds"."""
    result = {"rounds": rounds,
              "failed": any(one["failed"] for one in rounds),
              "requests": sum(one["requests"] for one in rounds),
              "error_count": sum(one["error_count"] for one in rounds),
              "requests_per_second": _mean([one["requests_per_second"] for one in rounds]),
              "latency_us": {key: _mean([one["latency_us"][key] for one in rounds])
                             for key in rounds[0]["latency_us"]}}
    others = [one["other_work_percent"] for one in rounds if "other_work_percent" in one]
    if others:
        result["other_work_percent"] = max(others)
    shares = [one.get("of_hash_bound") for one in rounds]
    if None not in shares:
        result["of_hash_bound"] = _mean(shares)
    return result


def settle_stack(stack, name="our stack"):
    if not wait_until_idle(stack.var_dir):
        say("%s is still busy after the last load; measuring anyway" % name)


def settle_stacks(stacks):
    """The side-by-side pair, small stack first."""
    for stack, name in zip(stacks, (SMALL_STACK_NAME, LARGE_STACK_NAME)):
        settle_stack(stack, name)


def stop_without_interruption(server, name):
    """Stops a server even if Ctrl-C is pressed again meanwhile: a half-stopped server would
    hold its port and folder."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        say("stopping " + name)
        server.stop()
    finally:
        signal.signal(signal.SIGINT, previous)


def new_log_problems(stack, sizes_before):
    """Lines this run added to the stack's logs that report a problem, per log (the first five
    and the count)."""
    problems = {}
    for name in stack.log_sizes():
        if "access" in name:
            continue  # every request's line; wrong answers are what scenario.lua counts
        with open(os.path.join(stack.var_dir, "log", name), "rb") as log:
            log.seek(sizes_before.get(name, 0))
            lines = log.read().decode(errors="replace").splitlines()
        bad = [line for line in lines
               if LOG_PROBLEM.search(line) and not LOG_RUN_MARKER.match(line)]
        if bad:
            problems[name] = {"count": len(bad), "first": bad[:5]}
    return problems


# ---------------------------------------------------------------- the report

def report_text(run):
    settings, figures = run.settings, run.figures
    ours, theirs = run.results["ours"], run.results["theirs"]
    small = run.results.get("small")
    parts = ["make bench: wrk -t%d -c%d -d%s on 127.0.0.1, %d cores, SCALE=%s" % (
        settings.load.threads, settings.load.connections, settings.load.duration,
        len(os.sched_getaffinity(0)), settings.scale)]
    parts += disturbance_warnings(figures, run.results)
    if small is None:
        parts += stack_lines(ours, figures, "Ours (this checkout):")
    else:
        rounds = "%s: mean of %d rounds" % (" and ".join(report.LARGE_SMALL_KEY_SCENARIOS),
                                            KEY_SCENARIO_ROUNDS)
        parts += ["", "== Small database, home page full: demo data and %d seeded posts (%s)" % (
            seed.FULL_PAGE.posts, settings.full_page_var_dir)]
        parts += stack_lines(small, figures["small"], "Ours, small database (%s):" % rounds)
        parts += ["", "== Large database: %d seeded users and %d posts (%s)" % (
            seed.LARGE.users, seed.LARGE.posts, settings.var_dir)]
        parts += stack_lines(ours, figures, "Ours, large database (%s):" % rounds,
                             small.get("ceiling"))
    if "large_vs_small" in figures:
        parts += ["", "Large / small (same sitting, both stacks running; each scenario on the "
                      "small stack, then at once on the large one):"]
        parts += hash_bound_rounds_lines(figures.get("hash_bound_rounds"))
        parts += report.large_small_lines(figures["large_vs_small"])
    if theirs:
        parts += ["", "Theirs (%s, home page %d bytes):" % (
            settings.compare, figures.get("their_home_page_bytes", 0)),
                  report.scenario_table(theirs), "",
                  "Ours / theirs (requests/s, same sitting, one after the other):",
                  report.comparison_table(ours, theirs)]
    if run.results.get("cluster"):
        parts += cluster_lines(run.results["cluster"])
    if "cluster_error" in figures:
        parts += ["", "Cluster: FAILED: %s" % figures["cluster_error"]]
    details = "\n".join(filter(None, (report.failure_details(label, results)
                                      for label, results in run.results.items())))
    if details:
        parts += ["", details]
    parts += log_problem_lines(figures.get("small", {}).get("log_problems", {}), "small stack ")
    parts += log_problem_lines(figures.get("log_problems", {}), "")
    return "\n".join(parts) + "\n"


def cluster_lines(results):
    lines = ["", "Cluster (3 Galera nodes, app hosts and a front nginx as network namespaces of "
                 "this one machine; home page signed in, through the front):",
             report.scenario_table(results)]
    one, two = results.get("one_app_host"), results.get("two_app_hosts")
    if one and two and not one["failed"] and not two["failed"]:
        lines.append("two app hosts / one: %.2f (the hosts share this machine's cores: this shows "
                     "the cost of the front and the cluster, not a speed-up)" % (
                         two["requests_per_second"] / one["requests_per_second"]))
    return lines


def stack_lines(results, figures, title, shared_ceiling=None):
    """One stack's part of the report: its page size, hash bound, scenarios and memory.
    `shared_ceiling`: the ceiling measured for another stack, when this one had none of its own."""
    ceiling = results.get("ceiling") or shared_ceiling
    ceiling_rps = ceiling["requests_per_second"] if ceiling and not ceiling["failed"] else None
    bound = figures.get("hash_bound", {})
    hash_bound = bound.get("verifications_per_second")
    lines = []
    if "home_page_bytes" in figures:
        lines.append("home page %d bytes; ceiling = nginx serving a static file of that size%s" % (
            figures["home_page_bytes"], " (measured once, with the small stack's settings)"
            if shared_ceiling else ""))
    if hash_bound:
        lines.append("hash bound: %.1f verifications/s (yescrypt cost %d, %d processes; mean of "
                     "%.1f before and %.1f after login_post)" % (
                         hash_bound, bound["password_cost"], bound["processes"], bound["before"],
                         bound["after"]))
    if hash_bound and abs(bound["before"] - bound["after"]) > 0.25 * hash_bound:
        lines.append("WARNING: the hash bound moved by more than 25% during login_post: this "
                     "machine's speed changed (other work running?); treat the figures with care")
    if results:
        lines += ["", title, report.scenario_table(results, ceiling_rps, hash_bound)]
    if "memory_mib" in figures:
        lines += ["", "Memory of our FastCGI processes (MiB):",
                  report.memory_table(figures["memory_mib"]["after_index_signed_in"],
                                      figures["memory_mib"]["at_end"]),
                  report.MEMORY_NOTE]
    return lines


def hash_bound_rounds_lines(bound):
    """SCALE=large's hash bound, measured before each round of login_post."""
    if not bound:
        return []
    rates = [one["verifications_per_second"] for one in bound["rounds"]]
    lines = ["hash bound: %s verifications/s (yescrypt cost %d, %d processes, %d s; one "
             "measurement before each round of login_post)" % (
                 ", ".join("%.1f" % rate for rate in rates), bound["password_cost"],
                 bound["processes"], bound["seconds"])]
    if max(rates) - min(rates) > 0.25 * _mean(rates):
        lines.append("WARNING: the hash bound moved by more than 25% between rounds: this "
                     "machine's speed changed (other work running?); treat the figures with care")
    return lines


def log_problem_lines(log_problems, prefix):
    lines = []
    for name, problem in log_problems.items():
        lines += ["", "%s%s: %d problem lines during this run, first:" % (
            prefix, name, problem["count"])]
        lines += ["    " + line[:300] for line in problem["first"]]
    return lines


def disturbance_warnings(figures, results):
    """Other work on the machine lowers every figure: say when there was enough to matter."""
    warnings = []
    for key, when in (("busy_percent_before", "before our stack started"),
                      ("busy_percent_before_theirs", "before theirs was measured")):
        busy = figures.get(key)
        if busy is not None and busy > BUSY_WARNING_PERCENT:
            warnings.append("WARNING: other work kept this machine %.0f%% busy %s" % (busy, when))
    disturbed = []
    # Only our stacks' processes are ours to watch; theirs have no 'other CPU'.
    for prefix, stack_results, stack_figures in (
            ("small ", results.get("small", {}), figures.get("small", {})),
            ("", results["ours"], figures)):
        disturbed += [prefix + name for name, result in stack_results.items()
                      if result.get("other_work_percent", 0) > BUSY_WARNING_PERCENT]
        if stack_figures.get("hash_bound", {}).get("other_work_percent", 0) > \
                BUSY_WARNING_PERCENT:
            disturbed.append(prefix + "hash bound")
    for number, bound in enumerate(figures.get("hash_bound_rounds", {}).get("rounds", []), 1):
        if bound["other_work_percent"] > BUSY_WARNING_PERCENT:
            disturbed.append("hash bound round %d" % number)
    if disturbed:
        warnings.append("WARNING: other work took over %d%% of the CPU during: %s; those figures "
                        "are too low (see 'other CPU')" % (BUSY_WARNING_PERCENT,
                                                           ", ".join(disturbed)))
    return warnings


def large_small_comparison(run):
    """SCALE=large's verdict: the large stack's figures against the small one's."""
    small, large = run.figures["small"], run.figures
    return report.large_small_figures(run.results["small"], run.results["ours"],
                                      small.get("home_page_bytes", 0),
                                      large.get("home_page_bytes", 0))


def any_failed(run):
    return "cluster_error" in run.figures or any(result["failed"] for results in run.results.values() for result in results.values())


# ---------------------------------------------------------------- main

def stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main():
    try:
        settings = Settings(os.environ)
    except UsageError as error:
        say(str(error))
        return 2
    # The bench's files hold passwords and session cookies of its accounts.
    os.umask(0o077)
    os.makedirs(settings.out_dir, exist_ok=True)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    run = Run(settings)
    started = time.monotonic()
    try:
        run.figures["busy_percent_before"] = cpu.busy_percent(BUSY_SAMPLE_SECONDS)
        run.measure_ours()
        if settings.compare:
            run.measure_theirs()
        if settings.cluster:
            try:
                run.measure_cluster()
            except (RuntimeError, subprocess.SubprocessError, ValueError) as error:
                run.figures["cluster_error"] = str(error)
    except KeyboardInterrupt:
        say("interrupted; our stack was stopped")
        return 130
    except (browser.SiteError, RuntimeError, subprocess.SubprocessError, OSError) as error:
        say("could not run: %s" % error)
        return 2
    finally:
        run.figures["results"] = run.results
        run.figures["seconds"] = round(time.monotonic() - started, 1)
    if "small" in run.results:
        run.figures["large_vs_small"] = large_small_comparison(run)
    text = report_text(run)
    print(text, end="")
    report.write(os.path.join(settings.out_dir, "results.txt"),
                 os.path.join(settings.out_dir, "results.json"), text,
                 dict(run.figures, failed=any_failed(run)))
    say("written to %s/results.txt and results.json" % settings.out_dir)
    if any_failed(run):
        say("FAILED: a scenario had unexpected answers or errors (see above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

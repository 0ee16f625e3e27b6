"""Runs one scenario with wrk against 127.0.0.1 and returns its figures: requests per second,
latency percentiles, socket errors and the responses bench/scenario.lua found wrong."""
import json
import os
import re
import subprocess
import urllib.parse

LUA_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenario.lua")
# Sign-ins wait for password hashes queued behind each other; wrk's default of 2 s would count
# a slow but correct answer as an error. The p99 column shows how slow they were.
REQUEST_TIMEOUT = "10s"
# wrk stops itself after DURATION; this is only the bound for a wrk that hangs.
EXTRA_SECONDS = 60


class Scenario:
    """What to request and what every answer must look like."""

    def __init__(self, name, method, path, expect_status, identities=(), marker=None,
                 location_exact=None, location_prefix=None, location_suffix=None,
                 need_set_cookie=False, register_name_prefix=None):
        self.name = name
        self.method = method
        self.path = path
        self.expect_status = expect_status
        self.identities = list(identities)  # (Cookie header, request body) pairs
        self.checks = {"marker": marker, "location_exact": location_exact,
                       "location_prefix": location_prefix, "location_suffix": location_suffix,
                       "need_set_cookie": "1" if need_set_cookie else None,
                       "register_name_prefix": register_name_prefix}


class Load:
    """wrk's settings: threads, connections, duration."""

    def __init__(self, threads, connections, duration):
        self.threads = threads
        self.connections = connections
        self.duration = duration

    def seconds(self):
        match = re.fullmatch(r"(\d+)(s|m|h)?", self.duration)
        return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]


def form_body(fields):
    return urllib.parse.urlencode(fields)


def _write_params(path, scenario, load, result_path):
    lines = ["method " + scenario.method, "path " + scenario.path,
             "expect_status %d" % scenario.expect_status, "threads %d" % load.threads,
             "result " + result_path]
    lines += ["%s %s" % (key, value) for key, value in scenario.checks.items() if value is not None]
    for cookie, body in scenario.identities:
        if any(c in cookie + body for c in "\t\r\n"):
            raise ValueError("a cookie or body of %s holds a tab or line break" % scenario.name)
        lines.append("identity\t%s\t%s" % (cookie, body))
    with open(path, "w") as params:
        params.write("\n".join(lines) + "\n")


def run(scenario, base_url, load, work_dir, label):
    """Runs wrk; returns the figures of scenario.lua's done() plus requests_per_second and
    failed (any socket error or wrong answer, or no answer at all)."""
    os.makedirs(work_dir, exist_ok=True)
    stem = os.path.join(work_dir, "%s-%s" % (label, scenario.name))
    result_path = stem + ".json"
    if os.path.exists(result_path):
        os.remove(result_path)
    _write_params(stem + ".params", scenario, load, result_path)
    command = ["wrk", "-t%d" % load.threads, "-c%d" % load.connections, "-d" + load.duration,
               "--timeout", REQUEST_TIMEOUT, "--latency", "-s", LUA_SCRIPT,
               base_url + scenario.path]
    with open(stem + ".out", "w") as output:
        subprocess.run(command, env=dict(os.environ, BENCH_PARAMS=stem + ".params"),
                       stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                       timeout=load.seconds() + EXTRA_SECONDS, check=False)
    if not os.path.exists(result_path):
        raise RuntimeError("wrk wrote no results for %s; see %s.out" % (scenario.name, stem))
    with open(result_path, errors="replace") as result_file:
        result = json.load(result_file)
    return _judged(result)


def _judged(result):
    seconds = result["duration_us"] / 1e6
    result["requests_per_second"] = result["requests"] / seconds if seconds else 0.0
    result["socket_error_count"] = sum(result["socket_errors"].values())
    result["error_count"] = result["socket_error_count"] + result["unexpected"]
    result["failed"] = result["error_count"] > 0 or result["requests"] == 0
    return result

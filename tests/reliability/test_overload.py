#!/usr/bin/python3
"""Far more clients than workers (core/server/supervisor.cpp's listen backlog, nginx's connection limits):
every request is queued and answered, none gets a 502 from a full queue or is dropped, and the
site answers normally as soon as the burst is over."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("reliability-overload")
CLIENTS = 800  # 400 per worker of each route; the programs have 2 workers each here

# Counts the answers that are not the signed-in home page (a 502 from a full queue, a redirect
# to the login page) beside wrk's own count of requests and socket errors.
SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
wrong = 0
function response(status, headers, body)
    if status ~= 200 or not string.find(body, "Hi, %s!", 1, true) then wrong = wrong + 1 end
end
function done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do total = total + thread:get("wrong") end
    io.write(string.format("wrong %%d\\n", total))
end
"""


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class OverloadTest(unittest.TestCase):
    def test_a_burst_of_far_more_clients_than_workers_is_queued_and_served(self):
        visitor = Visitor(stack.url)
        name = unique_name("burst")
        self.assertEqual(visitor.register(name).status_code, 302)
        self.assertEqual(visitor.login(name).status_code, 302)
        cookie = "session=" + visitor.http.cookies["session"]
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
            script.write(SCRIPT % name)
            script.flush()
            result = subprocess.run(
                ["wrk", "-t2", "-c%d" % CLIENTS, "-d4s", "--timeout", "20s", "-H", "Cookie: " + cookie,
                 "-s", script.name, stack.url + "/index"],
                capture_output=True, text=True, timeout=120)
        out = result.stdout
        self.assertEqual(result.returncode, 0, out + result.stderr)
        self.assertNotIn("Socket errors", out, out)
        self.assertNotIn("Non-2xx", out, out)
        self.assertEqual(re.search(r"^wrong (\d+)$", out, re.M).group(1), "0", out)
        served = int(re.search(r"(\d+) requests in", out).group(1))
        self.assertGreater(served, CLIENTS, out)
        # And right after it, the site is itself again.
        self.assertIn("Hi, %s!" % name, visitor.get("/index").text)
        with open(os.path.join(stack.var_dir, "log", "nginx-error.log")) as f:
            log = f.read()
        self.assertNotIn("Resource temporarily unavailable", log)
        self.assertNotIn("worker_connections are not enough", log)


if __name__ == "__main__":
    unittest.main()

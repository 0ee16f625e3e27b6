#!/usr/bin/python3
"""nginx's rate limits for POST /login and /register per client address (login_rate_per_minute,
register_rate_per_minute, rate_burst), answered with 429, our page and Retry-After; and the
client address behind trusted proxies (trusted_proxies, real_ip_header), believed from them only.

The rates here are one or two a minute, so a test's bucket does not refill while it runs; each
test posts from client addresses of its own (127.0.0.N, or a forwarded address), so the tests do
not share buckets."""
import http.client
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from expected_headers import header_problems  # noqa: E402
from stack import Stack  # noqa: E402

LOGIN_RATE, REGISTER_RATE, BURST = 2, 1, 2
# What a refused client is told to wait: 60 s over the lower of the two rates.
RETRY_AFTER = "60"
LIMITS = {"login_rate_per_minute": LOGIN_RATE, "register_rate_per_minute": REGISTER_RATE,
          "rate_burst": BURST}

stack = Stack("nginx-rate-limits", config=LIMITS)
# Behind a proxy on 127.0.0.1, without a burst: one POST at once per forwarded client.
proxied = Stack("nginx-rate-limits-proxied",
                config=dict(LIMITS, rate_burst=0, trusted_proxies="127.0.0.1"))


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    unittest.addModuleCleanup(proxied.stop)
    stack.start()
    proxied.start()


def request(target, method, path, source="127.0.0.1", headers=None):
    """One request from the loopback address `source`; returns (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30, source_address=(source, 0))
    try:
        body = "username=x&password=y" if method == "POST" else None
        all_headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        all_headers.update(headers or {})
        conn.request(method, path, body=body, headers=all_headers)
        answer = conn.getresponse()
        return answer.status, answer.msg, answer.read().decode(errors="replace")
    finally:
        conn.close()


def statuses(target, count, path="/login", method="POST", **kwargs):
    return [request(target, method, path, **kwargs)[0] for _ in range(count)]


class RateLimitTest(unittest.TestCase):
    def test_a_burst_of_posts_to_login_ends_in_429_with_our_page(self):
        # The first, then rate_burst more at once; the next is refused. Every POST counts,
        # whatever the program answers (here 400: no form token).
        self.assertEqual(statuses(stack, BURST + 1, source="127.0.0.11"), [400] * (BURST + 1))
        status, headers, body = request(stack, "POST", "/login", source="127.0.0.11")
        self.assertEqual(status, 429)
        self.assertIn("<h1>429: Too Many Requests</h1>", body)
        self.assertIn('<link rel="stylesheet" href="/static/style.css">', body)
        self.assertNotIn("<!--#", body)
        self.assertEqual(headers.get_all("Retry-After"), [RETRY_AFTER])
        self.assertEqual(header_problems(status, lambda name: headers.get_all(name) or [], True), [])
        # Within the minute it stays refused, with the query string too.
        self.assertEqual(statuses(stack, LOGIN_RATE + 1, path="/login?next=%2Findex", source="127.0.0.11"),
                         [429] * (LOGIN_RATE + 1))

    def test_register_has_a_limit_of_its_own(self):
        source = "127.0.0.12"
        self.assertEqual(statuses(stack, BURST + 1, path="/register", source=source), [400] * (BURST + 1))
        status, headers, body = request(stack, "POST", "/register", source=source)
        self.assertEqual(status, 429)
        self.assertIn("<h1>429: Too Many Requests</h1>", body)
        self.assertEqual(headers.get_all("Retry-After"), [RETRY_AFTER])
        # The sign-in form's limit is another bucket.
        self.assertEqual(request(stack, "POST", "/login", source=source)[0], 400)

    def test_reset_requests_and_reset_posts_count_with_sign_ins(self):
        # Each asks for mail or tries a token: the login zone, one bucket with /login.
        source = "127.0.0.16"
        self.assertEqual(statuses(stack, BURST + 1, path="/reset_password_request", source=source),
                         [400] * (BURST + 1))
        status, headers, body = request(stack, "POST", "/reset_password_request", source=source)
        self.assertEqual(status, 429)
        self.assertIn("<h1>429: Too Many Requests</h1>", body)
        self.assertEqual(request(stack, "POST", "/login", source=source)[0], 429)
        token_path = "/reset_password/" + "A" * 43
        self.assertEqual(request(stack, "POST", token_path, source=source)[0], 429)
        # Another address is not limited: the unknown token gets its page.
        self.assertEqual(request(stack, "POST", token_path, source="127.0.0.17")[0], 404)

    def test_gets_are_never_limited(self):
        source = "127.0.0.13"
        self.assertEqual(statuses(stack, 3 * (BURST + 2), method="GET", source=source), [200] * (3 * (BURST + 2)))
        self.assertEqual(statuses(stack, 3 * (BURST + 2), path="/register", method="GET", source=source),
                         [200] * (3 * (BURST + 2)))
        statuses(stack, BURST + 2, source=source)
        self.assertEqual(request(stack, "POST", "/login", source=source)[0], 429)
        # A refused client can still read the form, and other pages.
        self.assertEqual(statuses(stack, BURST + 2, method="GET", source=source), [200] * (BURST + 2))
        self.assertEqual(request(stack, "GET", "/static/style.css", source=source)[0], 200)
        self.assertEqual(request(stack, "GET", "/index", source=source)[0], 302)

    def test_another_client_address_is_not_limited(self):
        statuses(stack, BURST + 2, source="127.0.0.14")
        self.assertEqual(request(stack, "POST", "/login", source="127.0.0.14")[0], 429)
        self.assertEqual(statuses(stack, BURST + 1, source="127.0.0.15"), [400] * (BURST + 1))

    def test_without_trusted_proxies_a_forwarded_address_is_ignored(self):
        # From 127.0.0.1, which the other stack trusts, and which no other test here posts from.
        source = "127.0.0.1"
        answers = [request(stack, "POST", "/login", source=source,
                           headers={"X-Forwarded-For": "203.0.113.%d" % (i + 1), "X-Real-IP": "203.0.113.99"})[0]
                   for i in range(BURST + 2)]
        self.assertEqual(answers, [400] * (BURST + 1) + [429])
        with open(os.path.join(stack.var_dir, "nginx", "conf", "real-ip.conf")) as f:
            self.assertNotIn("real_ip", f.read())


class TrustedProxyTest(unittest.TestCase):
    """trusted_proxies = 127.0.0.1: its X-Forwarded-For names the client."""

    def forwarded(self, client, source="127.0.0.1"):
        return request(proxied, "POST", "/login", source=source, headers={"X-Forwarded-For": client})[0]

    def test_clients_behind_the_proxy_are_limited_one_by_one(self):
        self.assertEqual(self.forwarded("198.51.100.1"), 400)
        self.assertEqual(self.forwarded("198.51.100.1"), 429)
        self.assertEqual(self.forwarded("198.51.100.2"), 400)
        self.assertEqual(self.forwarded("198.51.100.2"), 429)
        # The proxy itself, posting without the header, is a client of its own.
        self.assertEqual(request(proxied, "POST", "/login")[0], 400)

    def test_an_ipv6_client_is_limited_by_its_slash_64(self):
        self.assertEqual(self.forwarded("2001:db8:7:8::1"), 400)
        # Another address of the same /64 is the same client; one of the next /64 is not.
        self.assertEqual(self.forwarded("2001:db8:7:8:ffff:ffff:ffff:fffe"), 429)
        self.assertEqual(self.forwarded("2001:db8:7:9::1"), 400)
        self.assertEqual(self.forwarded("2001:db8:7:9::a"), 429)

    def test_the_client_is_the_last_address_the_trusted_proxies_did_not_add(self):
        self.assertEqual(self.forwarded("192.0.2.1, 198.51.100.3"), 400)
        # Whatever the client claims before it, and a trusted proxy after it, it is 198.51.100.3.
        self.assertEqual(self.forwarded("192.0.2.2, 198.51.100.3, 127.0.0.1"), 429)

    def test_an_address_that_is_no_trusted_proxy_cannot_name_the_client(self):
        answers = [self.forwarded("198.51.100.%d" % (10 + i), source="127.0.0.21") for i in range(2)]
        self.assertEqual(answers, [400, 429])

    def test_the_realip_directives_come_from_the_configuration(self):
        with open(os.path.join(proxied.var_dir, "nginx", "conf", "real-ip.conf")) as f:
            conf = f.read()
        self.assertIn("set_real_ip_from 127.0.0.1;", conf)
        self.assertIn("real_ip_header X-Forwarded-For;", conf)
        self.assertIn("real_ip_recursive on;", conf)


class BadLimitSettingsTest(unittest.TestCase):
    """What nginx gets from the configuration file is checked first: a bad value stops the start
    with a message naming the setting, before the database starts."""

    def test_bad_values_stop_the_start(self):
        cases = [({"login_rate_per_minute": 0}, "login_rate_per_minute must be a number from 1 to 100000"),
                 ({"rate_burst": "many"}, "rate_burst must be a number from 0 to 100000"),
                 ({"trusted_proxies": "proxy.example"}, "trusted_proxies must list IP addresses or CIDR ranges"),
                 ({"trusted_proxies": "10.0.0.1", "real_ip_header": "X:Y"}, "real_ip_header must be")]
        for index, (config, message) in enumerate(cases):
            with self.subTest(config=config):
                wrong = Stack("nginx-rate-limits-wrong%d" % index, config=config)
                self.addCleanup(wrong.stop)
                with self.assertRaises(RuntimeError):
                    wrong.start(timeout=60)
                with open(wrong.output_path) as output:
                    self.assertIn(message, output.read())
                self.assertFalse(os.path.exists(os.path.join(wrong.var_dir, "mysql", "data")))


if __name__ == "__main__":
    unittest.main(verbosity=2)

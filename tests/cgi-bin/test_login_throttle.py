#!/usr/bin/python3
"""Per-account sign-in throttling (core/accounts/throttle.cpp, sql/005_create_login_throttle.sql) and the
security event lines (core/accounts/events.h, deploy/fail2ban/microblog.conf), against a stack with low
limits: 3 failures in 1 minute lock a name for 1 minute. Time passes by moving the table's
timestamps back, not by sleeping."""
import os
import re
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import BUILD_DIR, REPO_DIR, Stack, sql_text  # noqa: E402

LIMIT = 3
stack = Stack("cgi-bin-login-throttle", workers=4,
              config={"throttle_failures": LIMIT, "throttle_window_minutes": 1, "throttle_minutes": 1})
PASSWORD = "correct horse"
FILTER = os.path.join(REPO_DIR, "deploy", "fail2ban", "microblog.conf")
# One event line of the login or logout program (core/accounts/events.h), the name still escaped.
EVENT = re.compile(r'^(login|logout)\[(\d+)\]: (login failed|login throttled|login ok|logout) '
                   r'user="((?:[^"\\]|\\.)*)" ip=(\S+)$')


def setUpModule():
    global WRONG
    unittest.addModuleCleanup(stack.stop)
    stack.start()
    WRONG = sign_in(register("shape"), "not the password")
    assert WRONG[:2] == (302, "/login") and WRONG[2] and not WRONG[3], WRONG


def register(prefix):
    name = unique_name(prefix)
    assert Visitor(stack.url).register(name, password=PASSWORD).status_code == 302
    return name


def answer_of(response):
    """What a client learns from a sign-in's answer. The flash cookie is signed
    deterministically, so equal cookies mean equal messages."""
    return (response.status_code, response.headers.get("Location"), response.cookies.get("flash"),
            "session" in response.cookies)


def sign_in(name, password):
    return answer_of(Visitor(stack.url).login(name, password=password))


WRONG = None  # a wrong password's answer, flash cookie and all (setUpModule)


def throttle_row(name):
    rows = stack.sql("SELECT failures, COALESCE(locked_until > UTC_TIMESTAMP(), 0) FROM login_throttle "
                     "WHERE username_key = LOWER(%s)" % sql_text(name))
    return rows[0] if rows else None


def let_time_pass(name):
    """The window and the lock of `name` end, as if over a minute had passed."""
    stack.sql("UPDATE login_throttle SET window_ends_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND, "
              "locked_until = IF(locked_until IS NULL, NULL, UTC_TIMESTAMP() - INTERVAL 1 SECOND) "
              "WHERE username_key = LOWER(%s)" % sql_text(name))


def log_text(route="login"):
    with open(os.path.join(stack.var_dir, "log", route + ".log"), encoding="utf-8", errors="replace",
              newline="") as f:
        return f.read()


def unescape(match):
    escape = match.group(1)
    return chr(int(escape[1:], 16)) if len(escape) > 1 else escape


def events(route="login"):
    """(pid, event, name unescaped, ip) of every event line in the route's log."""
    found = []
    for line in log_text(route).split("\n"):
        match = EVENT.match(line)
        if match:
            name = re.sub(r"\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)", unescape, match.group(4))
            found.append((match.group(2), match.group(3), name, match.group(5)))
    return found


def events_for(name, route="login"):
    return [event for event in events(route) if event[2] == name]


def fail2ban_regex():
    """The filter's failregex as a Python pattern; <HOST> as fail2ban would capture an address."""
    with open(FILTER) as f:
        text = f.read()
    failregex = re.search(r"^failregex = (.*)$", text, re.M).group(1)
    return re.compile(failregex.replace("<HOST>", r"(?P<host>[0-9A-Fa-f.:]+)"))


class ThrottleTest(unittest.TestCase):
    def fail_times(self, name, times):
        for _ in range(times):
            self.assertEqual(sign_in(name, "a wrong password"), WRONG)

    def test_after_the_limit_the_right_password_is_refused_like_a_wrong_one(self):
        name = register("locked")
        self.fail_times(name, LIMIT)
        self.assertEqual(throttle_row(name), [str(LIMIT), "1"])
        visitor = Visitor(stack.url)
        answer = visitor.login(name, password=PASSWORD)
        self.assertEqual(answer_of(answer), WRONG)
        self.assertEqual(visitor.flashes(visitor.get("/login").text), ["Invalid username or password"])
        self.assertEqual(visitor.get("/index").status_code, 302)
        # Refused before the password was checked: logged as throttled, not as a failure.
        self.assertEqual([event[1] for event in events_for(name)], ["login failed"] * LIMIT + ["login throttled"])
        self.assertEqual(throttle_row(name), [str(LIMIT), "1"])

    def test_fewer_failures_than_the_limit_do_not_lock(self):
        name = register("almost")
        self.fail_times(name, LIMIT - 1)
        self.assertEqual(sign_in(name, PASSWORD)[1], "/index")

    def test_other_accounts_are_unaffected(self):
        locked, other = register("victim"), register("bystander")
        self.fail_times(locked, LIMIT)
        self.assertEqual(sign_in(locked, PASSWORD), WRONG)
        self.assertEqual(sign_in(other, PASSWORD)[1], "/index")
        self.assertIsNone(throttle_row(other))

    def test_letter_case_does_not_make_another_name(self):
        name = register("Cased")
        for typed in (name.upper(), name.lower(), name):
            self.assertEqual(sign_in(typed, "a wrong password"), WRONG)
        self.assertEqual(sign_in(name.swapcase(), PASSWORD), WRONG)
        self.assertEqual(throttle_row(name), [str(LIMIT), "1"])

    def test_an_unknown_name_is_throttled_the_same_way(self):
        known, unknown = register("known"), unique_name("unknown")
        answers = {"known": [], "unknown": []}
        for _ in range(LIMIT + 2):
            answers["known"].append(sign_in(known, "a wrong password"))
            answers["unknown"].append(sign_in(unknown, "a wrong password"))
        self.assertEqual(answers["known"], answers["unknown"])
        self.assertEqual(set(answers["known"]), {WRONG})
        self.assertEqual(throttle_row(known), throttle_row(unknown))
        self.assertEqual(throttle_row(unknown), [str(LIMIT), "1"])
        self.assertEqual([event[1] for event in events_for(known)], [event[1] for event in events_for(unknown)])
        self.assertEqual(sign_in(known, PASSWORD), WRONG)

    def test_a_success_resets_the_count(self):
        name = register("reset")
        self.fail_times(name, LIMIT - 1)
        self.assertEqual(sign_in(name, PASSWORD)[1], "/index")
        self.assertIsNone(throttle_row(name))
        # Without the reset these would make 2 * (LIMIT - 1) >= LIMIT failures in the window.
        self.fail_times(name, LIMIT - 1)
        self.assertEqual(sign_in(name, PASSWORD)[1], "/index")

    def test_the_lock_ends(self):
        name = register("expiry")
        self.fail_times(name, LIMIT)
        self.assertEqual(sign_in(name, PASSWORD), WRONG)
        let_time_pass(name)
        self.assertEqual(sign_in(name, PASSWORD)[1], "/index")
        self.assertIsNone(throttle_row(name))

    def test_after_the_window_failures_count_from_one_again(self):
        name = register("window")
        self.fail_times(name, LIMIT - 1)
        let_time_pass(name)
        self.fail_times(name, LIMIT - 1)
        self.assertEqual(throttle_row(name), [str(LIMIT - 1), "0"])
        self.assertEqual(sign_in(name, PASSWORD)[1], "/index")

    def test_after_a_lock_ends_a_name_gets_the_full_count_again(self):
        name = unique_name("relock")
        self.fail_times(name, LIMIT + 1)
        let_time_pass(name)
        self.fail_times(name, LIMIT - 1)
        self.assertEqual(throttle_row(name), [str(LIMIT - 1), "0"])
        self.fail_times(name, 1)
        self.assertEqual(throttle_row(name), [str(LIMIT), "1"])

    def test_failures_on_several_workers_share_one_count(self):
        # Requests in flight together are answered by different workers (each takes one at a
        # time), and each worker has its own database connection.
        name = register("workers")
        racers = 6
        visitors = [Visitor(stack.url) for _ in range(racers)]
        tokens = [visitor.csrf_token("/login") for visitor in visitors]
        answers = [None] * racers
        start = threading.Barrier(racers)

        def post(i):
            start.wait()
            answers[i] = answer_of(visitors[i].post("/login", {"csrf_token": tokens[i], "username": name,
                                                               "password": "wrong %d" % i}))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(answers, [WRONG] * racers)
        logged = events_for(name)
        self.assertEqual(len(logged), racers)
        self.assertGreater(len({pid for pid, _, _, _ in logged}), 1, logged)
        failed = [event for event in logged if event[1] == "login failed"]
        # Every failure counted, none lost to another worker's update.
        self.assertEqual(throttle_row(name), [str(len(failed)), "1"])
        self.assertEqual(sign_in(name, PASSWORD), WRONG)

    def test_dead_rows_of_random_names_are_swept(self):
        names = [unique_name("random") for _ in range(5)]
        for name in names:
            self.fail_times(name, 1)
        for name in names:
            let_time_pass(name)
        self.fail_times(unique_name("newcomer"), 1)
        for name in names:
            self.assertIsNone(throttle_row(name), name)
        self.assertEqual(stack.sql("SELECT COUNT(*) FROM login_throttle WHERE expires_at <= UTC_TIMESTAMP()"),
                         [["0"]])


class EventLogTest(unittest.TestCase):
    def test_sign_in_and_out_lines_name_the_user_and_the_address_but_no_secret(self):
        name = register("events")
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.login(name, password="a wrong p4ssword").status_code, 302)
        self.assertEqual(visitor.login(name, password=PASSWORD).headers["Location"], "/index")
        cookie = visitor.http.cookies.get("session")
        self.assertEqual(visitor.logout().status_code, 302)
        self.assertEqual([event[1:] for event in events_for(name)],
                         [("login failed", name, "127.0.0.1"), ("login ok", name, "127.0.0.1")])
        self.assertEqual([event[1:] for event in events_for(name, "logout")], [("logout", name, "127.0.0.1")])
        everything = log_text("login") + log_text("logout")
        for secret in ("a wrong p4ssword", PASSWORD, cookie):
            self.assertNotIn(secret, everything)

    def test_a_name_cannot_forge_a_field_or_a_line(self):
        forged = ['x" ip=6.6.6.6', 'y\\" ip=6.6.6.6', 'z ip=6.6.6.6 "', "w\u2028login failed user=\"v\" ip=6.6.6.6"]
        for name in forged:
            self.assertEqual(sign_in(name, "a wrong password"), WRONG, name)
        # A line break or control character never gets that far: the form refuses it.
        for name in ("a\nlogin failed user=\"b\" ip=6.6.6.6", "c\rd", "e\x1bf", 'u"\u0085login failed ip=6.6.6.6'):
            answer = Visitor(stack.url).login(name, password="a wrong password")
            self.assertEqual(answer.status_code, 200, name)
        text = log_text()
        self.assertNotIn("6.6.6.6\n", text)
        self.assertIn(r'user="x\" ip=6.6.6.6" ip=127.0.0.1', text)
        self.assertIn(r'user="y\\\" ip=6.6.6.6" ip=127.0.0.1', text)
        self.assertIn(r'user="w\u2028login failed user=\"v\" ip=6.6.6.6" ip=127.0.0.1', text)
        # Each forged name makes exactly one line, which reads back as that name; no reader that
        # breaks lines at U+2028 or NEL finds a line naming another address.
        for name in forged:
            self.assertEqual([event[1:] for event in events_for(name)], [("login failed", name, "127.0.0.1")])
        for line in text.splitlines():
            self.assertNotRegex(line, r"ip=6\.6\.6\.6\s*$")
        self.assertNotIn("6.6.6.6", [event[3] for event in events()])

    def test_the_fail2ban_filter_finds_failed_and_throttled_sign_ins_and_only_the_real_address(self):
        name = register("banned")
        for _ in range(LIMIT + 1):
            sign_in(name, "a wrong password")
        sign_in('x" ip=6.6.6.6', "a wrong password")
        pattern = fail2ban_regex()
        found = {}
        for line in log_text().split("\n"):
            # As fail2ban reads the journal: host name and identifier in front.
            for shown in (line, "web1 microblog-login[42]: " + line):
                match = pattern.search(shown)
                if match:
                    found.setdefault(match.group("host"), []).append(line)
                    if " login ok " in line:
                        self.fail("the filter matches a successful sign-in: %s" % line)
        self.assertEqual(set(found), {"127.0.0.1"})
        mine = [line for line in found["127.0.0.1"] if 'user="%s"' % name in line]
        self.assertEqual(len(mine), 2 * (LIMIT + 1))  # failed and throttled, each read both ways
        self.assertTrue(any(" login throttled " in line for line in mine))


class AdminLogTest(unittest.TestCase):
    def test_a_password_change_is_logged_without_the_password(self):
        name = register("admin")
        config = os.path.join(stack.var_dir, "microblog.conf")
        result = subprocess.run([os.path.join(BUILD_DIR, "bin", "microblog-admin"), "--config", config,
                                 "set-password", name], input="a Fresh passphrase 9\n", capture_output=True,
                                text=True, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r'(?m)^microblog-admin\[\d+\]: password changed user="%s" by=microblog-admin$'
                         % re.escape(name))
        self.assertNotIn("a Fresh passphrase 9", result.stderr + result.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)

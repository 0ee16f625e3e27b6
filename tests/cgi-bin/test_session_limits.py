#!/usr/bin/python3
"""Server-side session limits (core/accounts/sessions.cpp): the idle timeout, the absolute lifetime, a
last-seen time written at most about once a minute, the sweep of dead sessions on anyone's
sign-in, and a bound on the sessions one user keeps."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack, sql_text  # noqa: E402

MAX_SESSIONS = 4
stack = Stack("cgi-bin-session-limits",
              config={"session_idle_minutes": 10, "max_sessions_per_user": MAX_SESSIONS})
PASSWORD = "a passphrase nobody guesses"


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def sessions_of(name):
    return stack.sql("SELECT TIMESTAMPDIFF(SECOND, s.last_seen_at, UTC_TIMESTAMP()), s.remember_me "
                     "FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = %s "
                     "ORDER BY s.created_at" % sql_text(name))


def age_sessions(name, column, seconds):
    stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id SET s.%s = s.%s - INTERVAL %d SECOND "
              "WHERE u.username = %s" % (column, column, seconds, sql_text(name)))


class SessionLimitsTest(unittest.TestCase):
    def setUp(self):
        self.name = unique_name("limits")
        self.assertEqual(Visitor(stack.url).register(self.name, password=PASSWORD).status_code, 302)

    def signed_in(self, remember_me=False):
        visitor = Visitor(stack.url)
        self.assertEqual(visitor.login(self.name, PASSWORD, remember_me=remember_me).status_code, 302)
        self.assertEqual(visitor.get("/index").status_code, 200)
        return visitor

    def test_a_session_unused_beyond_the_idle_timeout_ends(self):
        visitor = self.signed_in()
        age_sessions(self.name, "last_seen_at", 9 * 60)
        self.assertEqual(visitor.get("/index").status_code, 200, "used within the idle timeout")
        age_sessions(self.name, "last_seen_at", 11 * 60)
        self.assertEqual(visitor.get("/index").status_code, 302)

    def test_a_remembered_session_outlives_the_idle_timeout_but_not_its_lifetime(self):
        visitor = self.signed_in(remember_me=True)
        age_sessions(self.name, "last_seen_at", 3 * 24 * 3600)
        self.assertEqual(visitor.get("/index").status_code, 200)
        age_sessions(self.name, "expires_at", 31 * 24 * 3600)
        self.assertEqual(visitor.get("/index").status_code, 302)

    def test_the_last_seen_time_is_written_about_once_a_minute_not_per_request(self):
        visitor = self.signed_in()
        age_sessions(self.name, "last_seen_at", 40)
        for _ in range(5):
            self.assertEqual(visitor.get("/index").status_code, 200)
        self.assertGreaterEqual(int(sessions_of(self.name)[0][0]), 40, "written within the minute")
        age_sessions(self.name, "last_seen_at", 30)
        self.assertEqual(visitor.get("/index").status_code, 200)
        self.assertLess(int(sessions_of(self.name)[0][0]), 5, "not written after the minute")
        # Being used, the session now survives what would have been its idle end.
        age_sessions(self.name, "last_seen_at", 9 * 60)
        self.assertEqual(visitor.get("/index").status_code, 200)

    def test_anyone_signing_in_sweeps_dead_sessions(self):
        self.signed_in()
        age_sessions(self.name, "last_seen_at", 11 * 60)
        self.assertEqual(len(sessions_of(self.name)), 1)
        other = unique_name("sweeper")
        Visitor(stack.url).register(other, password=PASSWORD)
        self.assertEqual(Visitor(stack.url).login(other, PASSWORD).status_code, 302)
        self.assertEqual(sessions_of(self.name), [])

    def test_a_user_keeps_at_most_the_newest_sessions(self):
        browsers = [self.signed_in() for _ in range(MAX_SESSIONS + 2)]
        self.assertEqual(len(sessions_of(self.name)), MAX_SESSIONS)
        self.assertEqual([b.get("/index").status_code for b in browsers],
                         [302, 302] + [200] * MAX_SESSIONS)


if __name__ == "__main__":
    unittest.main()

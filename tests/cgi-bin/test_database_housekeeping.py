#!/usr/bin/python3
"""A sweep of expired rows is housekeeping (Database::housekeep): when it cannot get its rows
(another transaction holds one past the lock wait limit), the sign-in that ran it still succeeds
and the sweep is logged as skipped, rather than the sign-in answering 503."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import SqlSession, Stack  # noqa: E402

stack = Stack("cgi-bin-database-housekeeping", workers=1)
HELD = "ee" * 32  # the token hash of the expired session the test holds


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class HousekeepingTest(unittest.TestCase):
    def test_a_sign_in_whose_sweep_waits_too_long_for_a_lock_still_succeeds(self):
        name, other = unique_name("sweep"), unique_name("held")
        for username in (name, other):
            self.assertEqual(Visitor(stack.url).register(username).status_code, 302)
        # Another user's expired session: the sign-in's sweep wants it, nothing else it does.
        user_id = stack.sql("SELECT id FROM users WHERE username = '%s'" % other)[0][0]
        stack.sql("INSERT INTO sessions (token_hash, public_id, user_id, created_at, last_seen_at, confirmed_at, "
                  "expires_at, remember_me) VALUES (UNHEX('%s'), RANDOM_BYTES(16), %s, "
                  "UTC_TIMESTAMP() - INTERVAL 9 HOUR, UTC_TIMESTAMP() - INTERVAL 9 HOUR, "
                  "UTC_TIMESTAMP() - INTERVAL 9 HOUR, UTC_TIMESTAMP() - INTERVAL 2 HOUR, 1)"
                  % (HELD, user_id))

        holder = SqlSession(stack)
        self.addCleanup(holder.close)
        holder.send("START TRANSACTION")
        holder.send("UPDATE sessions SET remember_me = 0 WHERE token_hash = UNHEX('%s')" % HELD)
        holder.send("SELECT 'holding'")
        self.assertEqual(holder.read_line(), "holding")

        # The programs' lock waits end after 1 s (core/db/database.cpp), well inside the hold.
        response = Visitor(stack.url).login(name)
        holder.send("ROLLBACK")
        holder.close()

        self.assertEqual(response.status_code, 302, stack.log_tail())
        self.assertEqual(response.headers["Location"], "/index")
        self.assertIn("sessions sweep skipped: MariaDB is busy", stack.log_tail())
        # Skipped, not done: the held row is still there for the next sweep.
        self.assertEqual(stack.sql("SELECT COUNT(*) FROM sessions WHERE token_hash = UNHEX('%s')" % HELD),
                         [["1"]])


if __name__ == "__main__":
    unittest.main()

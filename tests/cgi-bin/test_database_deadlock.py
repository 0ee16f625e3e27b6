#!/usr/bin/python3
"""A statement InnoDB rolls back to break a deadlock (core/db/database.cpp) is run again, so the
request it served succeeds instead of answering 500. The deadlock is made on purpose: a
transaction of the test holds one expired session row while a sign-in's sweep of expired
sessions holds another and waits for it; the test's transaction then asks for the sweep's row.
Having changed many rows, the test's transaction is the heavier one, and InnoDB rolls back
the sweep's statement."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import SqlSession, Stack  # noqa: E402

stack = Stack("cgi-bin-database-deadlock", workers=1)
EARLY, LATE = "00" * 32, "ff" * 32  # token hashes: first and last in the sweep's order


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class DeadlockTest(unittest.TestCase):
    def test_a_sign_in_whose_sweep_loses_a_deadlock_still_succeeds(self):
        name = unique_name("deadlock")
        self.assertEqual(Visitor(stack.url).register(name).status_code, 302)
        user_id = stack.sql("SELECT id FROM users WHERE username = '%s'" % name)[0][0]
        for token_hash, hours in ((EARLY, 3), (LATE, 2)):
            stack.sql("INSERT INTO sessions (token_hash, public_id, user_id, created_at, last_seen_at, confirmed_at, "
                      "expires_at, remember_me) VALUES (UNHEX('%s'), RANDOM_BYTES(16), %s, "
                      "UTC_TIMESTAMP() - INTERVAL 9 HOUR, UTC_TIMESTAMP() - INTERVAL 9 HOUR, "
                      "UTC_TIMESTAMP() - INTERVAL 9 HOUR, UTC_TIMESTAMP() - INTERVAL %d HOUR, 1)"
                      % (token_hash, user_id, hours))
        stack.sql("CREATE TABLE IF NOT EXISTS deadlock_ballast (n INT PRIMARY KEY)")

        holder = SqlSession(stack)
        self.addCleanup(holder.close)
        send = holder.send

        # The test's transaction: heavy, and holding the later expired row.
        send("START TRANSACTION")
        send("INSERT INTO deadlock_ballast SELECT seq FROM seq_1_to_500")
        send("UPDATE sessions SET remember_me = 1 WHERE token_hash = UNHEX('%s')" % LATE)
        send("SELECT 'holding'")
        self.assertEqual(holder.read_line(), "holding")

        answer = {}
        signing_in = threading.Thread(target=lambda: answer.update(
            response=Visitor(stack.url).login(name)))
        signing_in.start()
        # The sweep deletes the earlier row and waits for the later one.
        # (Within the programs' read timeout, db_timeout_seconds: 5 s.)
        sweeping = ("SELECT 1 FROM information_schema.PROCESSLIST WHERE USER = 'microblog' "
                    "AND INFO LIKE 'DELETE FROM sessions WHERE expires_at%'")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not stack.sql(sweeping):
            time.sleep(0.02)
        self.assertTrue(stack.sql(sweeping), "the sign-in never waited for the test's row")
        time.sleep(0.3)
        # Asking for the sweep's row closes the cycle; InnoDB rolls the sweep back. The test's
        # transaction then holds both rows a moment longer, so the sweep's second run waits.
        send("UPDATE sessions SET remember_me = 1 WHERE token_hash = UNHEX('%s')" % EARLY)
        send("SELECT SLEEP(0.2)")
        send("ROLLBACK")
        send("SELECT 'done'")
        signing_in.join(timeout=60)
        self.assertFalse(signing_in.is_alive())
        holder.close()

        deadlocks = stack.sql("SHOW ENGINE INNODB STATUS")[0][2]
        self.assertIn("LATEST DETECTED DEADLOCK", deadlocks, "no deadlock happened: the test proves nothing")
        self.assertIn("DELETE FROM sessions", deadlocks.split("LATEST DETECTED DEADLOCK")[1])
        self.assertEqual(answer["response"].status_code, 302, stack.log_tail())
        self.assertEqual(answer["response"].headers["Location"], "/index")
        # The sweep did its work in the end.
        self.assertEqual(stack.sql("SELECT COUNT(*) FROM sessions WHERE token_hash IN (UNHEX('%s'), UNHEX('%s'))"
                                   % (EARLY, LATE)), [["0"]])


if __name__ == "__main__":
    unittest.main()

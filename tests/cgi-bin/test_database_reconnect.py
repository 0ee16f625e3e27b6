#!/usr/bin/python3
"""The programs' MariaDB connections (core/db/database.cpp): when the server drops them, as a
restart or a failover does, the next request reconnects and succeeds instead of failing."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("cgi-bin-database-reconnect", workers=1)


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def drop_application_connections():
    """Kills every connection of the application's database account; returns how many."""
    ids = [row[0] for row in stack.sql(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'microblog'")]
    for connection_id in ids:
        stack.sql("KILL CONNECTION %s" % connection_id)
    return len(ids)


class ReconnectTest(unittest.TestCase):
    def test_every_page_works_again_right_after_its_connection_was_dropped(self):
        visitor = Visitor(stack.url)
        name = unique_name("reconnect")
        # Touch every program once so each worker holds a connection to lose.
        self.assertEqual(visitor.register(name).status_code, 302)
        self.assertEqual(visitor.login(name, remember_me=True).status_code, 302)
        self.assertEqual(visitor.get("/index").status_code, 200)
        self.assertGreaterEqual(drop_application_connections(), 3)

        # The session check (a SELECT) and the home page's posts (a SELECT).
        home = visitor.get("/index")
        self.assertEqual(home.status_code, 200, home.text[:500])
        self.assertIn("Hi, %s!" % name, home.text)

        drop_application_connections()
        # Signing out deletes the session row: a repeatable DELETE.
        self.assertEqual(visitor.logout().status_code, 302)
        self.assertEqual(visitor.get("/index").status_code, 302)

        drop_application_connections()
        # Registering (SELECT checks, then the INSERT) and signing in again.
        other = unique_name("reconnect")
        self.assertEqual(visitor.register(other).status_code, 302)
        drop_application_connections()
        signed_in = visitor.login(other)
        self.assertEqual(signed_in.status_code, 302)
        self.assertEqual(signed_in.headers["Location"], "/index")


if __name__ == "__main__":
    unittest.main(verbosity=2)

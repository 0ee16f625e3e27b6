#!/usr/bin/python3
"""tools/mailer's file transport on the stack of `make run` as it is (mail_transport = file):
each mail written whole to VAR_DIR/mail, and its links printed in run-local.sh's own output."""
import os
import re
import signal
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import unique_name  # noqa: E402
from stack import BUILD_DIR, Stack, stack_processes  # noqa: E402

MAILER = os.path.join(BUILD_DIR, "bin", "microblog-mailer")
ADMIN = os.path.join(BUILD_DIR, "bin", "microblog-admin")
stack = Stack("tools-mailer-file")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def queue(recipient, body):
    message = ("From: Microblog <microblog@localhost>\r\nTo: <%s>\r\nSubject: Reset\r\n\r\n%s" % (
        recipient, body.replace("\n", "\r\n"))).encode()
    rows = stack.sql(
        "INSERT INTO outbox (kind, recipient, budgeted, message, created_at, next_attempt_at) "
        "VALUES ('password_reset', '%s', 1, X'%s', UTC_TIMESTAMP(), UTC_TIMESTAMP()); "
        "SELECT LAST_INSERT_ID()" % (recipient, message.hex()))
    return int(rows[0][0]), message


def mailer_pids():
    return [pid for pid, cmdline in stack_processes(stack) if cmdline.startswith(MAILER + " ")]


class FileTransportTest(unittest.TestCase):
    def test_more_output_than_a_pipe_holds_blocks_no_mail(self):
        # Each mail prints two lines of about 270 bytes: 400 of them are twice what a pipe
        # holds (64 KiB), so a test stack that stopped reading after READY would stall here.
        recipient = unique_name("many") + "@example.com"
        link = "https://127.0.0.1:8080/reset_password/" + "x" * 200
        message = ("To: <%s>\r\nSubject: Reset\r\n\r\n%s\r\n" % (recipient, link)).encode()
        # seq_1_to_400: MariaDB's SEQUENCE engine, 400 rows.
        stack.sql("INSERT INTO outbox (kind, recipient, budgeted, message, created_at, next_attempt_at) "
                  "SELECT 'password_reset', '%s', 1, X'%s', UTC_TIMESTAMP(), UTC_TIMESTAMP() "
                  "FROM seq_1_to_400" % (recipient, message.hex()))
        deadline = time.monotonic() + 120
        while True:
            waiting = stack.sql("SELECT COUNT(*) FROM outbox WHERE recipient = '%s' AND state = 'waiting'" % recipient)
            if waiting[0][0] == "0":
                break
            self.assertLess(time.monotonic(), deadline, "%s mails still waiting" % waiting[0][0])
            time.sleep(0.5)

    def test_a_mail_is_written_whole_and_its_links_shown_in_the_terminal(self):
        recipient = unique_name("file") + "@example.com"
        body = ("Someone asked to reset your password.\n"
                "https://127.0.0.1:8080/reset?token=abc123\n"
                "Not a link line: see https://example.com/x\n"
                "http://127.0.0.1/other\n")
        mail_id, message = queue(recipient, body)
        lines = stack.wait_output(r"^mail to %s written to " % re.escape(recipient))
        path = lines[0].split(" written to ", 1)[1]
        self.assertEqual(os.path.dirname(path), os.path.join(stack.var_dir, "mail"))
        self.assertRegex(os.path.basename(path), r"^\d+-%d\.eml$" % mail_id)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), message)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(lines[1:3], ["  link: https://127.0.0.1:8080/reset?token=abc123",
                                      "  link: http://127.0.0.1/other"])
        self.assertFalse(any("example.com/x" in line for line in lines[:4]), lines[:4])
        self.assertEqual([name for name in os.listdir(os.path.dirname(path)) if name.startswith(".")], [])
        deadline = time.monotonic() + 10
        while stack.sql("SELECT state, LENGTH(message) FROM outbox WHERE id = %d" % mail_id) != [["sent", "0"]]:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.2)

    def test_a_restarted_mailer_still_prints_to_the_terminal(self):
        pids = mailer_pids()
        self.assertEqual(len(pids), 1, pids)
        os.kill(pids[0], signal.SIGKILL)
        deadline = time.monotonic() + 15
        while not [pid for pid in mailer_pids() if pid != pids[0]]:
            self.assertLess(time.monotonic(), deadline, "run-local.sh did not start the mailer again")
            time.sleep(0.1)
        recipient = unique_name("again") + "@example.com"
        queue(recipient, "https://127.0.0.1/again\n")
        lines = stack.wait_output(r"^mail to %s written to " % re.escape(recipient))
        self.assertEqual(lines[1], "  link: https://127.0.0.1/again")

    def test_send_test_mail_writes_a_file_too(self):
        address = unique_name("test") + "@example.com"
        result = subprocess.run([ADMIN, "--config", os.path.join(stack.var_dir, "microblog.conf"),
                                 "send-test-mail", address], input="", capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        match = re.search(r"^mail to %s written to (\S+)$" % re.escape(address), result.stdout, re.M)
        self.assertIsNotNone(match, result.stdout)
        with open(match.group(1), "rb") as f:
            text = f.read()
        self.assertIn(b"\r\nSubject: Microblog test mail\r\n", text)
        self.assertIn(b"\r\nTo: <%s>\r\n" % address.encode(), text)


if __name__ == "__main__":
    unittest.main()

#!/usr/bin/python3
"""tools/mailer: microblog-mailer delivering the outbox through a real SMTP server on loopback
(tests/support/smtp_server.py), on a private stack whose run-local.sh runs the mailer; and
microblog-admin's mail-queue and send-test-mail."""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import unique_name  # noqa: E402
from smtp_server import SmtpServer, free_port  # noqa: E402
from stack import BUILD_DIR, Stack, stack_processes  # noqa: E402

MAILER = os.path.join(BUILD_DIR, "bin", "microblog-mailer")
ADMIN = os.path.join(BUILD_DIR, "bin", "microblog-admin")
SEND_TIMEOUT = 3
LEASE = 2 * SEND_TIMEOUT
SMTP_PORT = free_port()
smtp = SmtpServer(port=SMTP_PORT)
stack = Stack("tools-mailer", config={
    "mail_transport": "smtp", "smtp_host": "127.0.0.1", "smtp_port": SMTP_PORT,
    "mail_retry_seconds": 1, "mail_send_timeout_seconds": SEND_TIMEOUT})
# run-local.sh's mail_from (an override cannot hold a space).
FROM_ADDRESS = "microblog@localhost"


def setUpModule():
    smtp.start()
    unittest.addModuleCleanup(smtp.stop)
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def config_path():
    return os.path.join(stack.var_dir, "microblog.conf")


def mailer_log():
    with open(os.path.join(stack.var_dir, "log", "mailer.log"), errors="replace") as f:
        return f.read()


def compose(recipient, subject, body):
    return ("Date: Mon, 07 Dec 2026 16:13:21 +0000\r\nFrom: Microblog <noreply@microblog.test>\r\n"
            "To: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@microblog.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n"
            "Auto-Submitted: auto-generated\r\n\r\n%s" % (
                recipient, subject, unique_name("id"), body.replace("\n", "\r\n"))).encode()


def queue(recipient, message=None, created="UTC_TIMESTAMP()", due="UTC_TIMESTAMP()", state="waiting"):
    """Inserts an outbox row as core/mail/outbox.cpp does; returns (id, message bytes)."""
    message = message or compose(recipient, "Hello", "Hello there.\n.\nA line with a dot.\n")
    rows = stack.sql(
        "INSERT INTO outbox (kind, recipient, budgeted, message, state, created_at, next_attempt_at) "
        "VALUES ('password_reset', '%s', 1, X'%s', '%s', %s, %s); SELECT LAST_INSERT_ID()" % (
            recipient, message.hex(), state, created, due))
    return int(rows[0][0]), message


def row(mail_id):
    """The outbox row as a dict of strings."""
    names = ["state", "attempts", "message_length", "last_error", "claimed_by", "sent_at",
             "next_attempt_at"]
    values = stack.sql(
        "SELECT state, attempts, LENGTH(message), last_error, claimed_by, IFNULL(sent_at, ''), "
        "next_attempt_at FROM outbox WHERE id = %d" % mail_id)
    return dict(zip(names, values[0])) if values else None


def wait_row(mail_id, predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        current = row(mail_id)
        if current is not None and predicate(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError("outbox row %d never matched; it is %r\n%s" % (
                mail_id, current, mailer_log()[-3000:]))
        time.sleep(0.2)


def stack_mailer_pids():
    return [pid for pid, cmdline in stack_processes(stack)
            if cmdline.startswith(MAILER + " ")]


def wait_stack_mailer(exclude=(), timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [pid for pid in stack_mailer_pids() if pid not in exclude]
        if pids:
            return pids[0]
        time.sleep(0.1)
    raise AssertionError("run-local.sh did not start the mailer again")


def admin(*args):
    return subprocess.run([ADMIN, "--config", config_path(), *args], input="",
                          capture_output=True, text=True, timeout=60)


class MailerTest(unittest.TestCase):
    def setUp(self):
        smtp.answer = None
        smtp.delay = 0
        if smtp.controller is None:
            smtp.start()

    def test_a_queued_mail_is_delivered_whole_and_emptied_once_sent(self):
        recipient = unique_name("to") + "@example.com"
        mail_id, message = queue(recipient)
        mail = smtp.wait_for(lambda m: m.to == [recipient])
        self.assertEqual(mail.mail_from, FROM_ADDRESS)
        self.assertEqual(mail.raw.replace(b"\r\n", b"\n"), message.replace(b"\r\n", b"\n"))
        self.assertEqual(mail.message["To"].addresses[0].addr_spec, recipient)
        self.assertEqual(mail.message["Auto-Submitted"], "auto-generated")
        self.assertIn(b"\r\n.\r\nA line with a dot.\r\n", mail.raw)  # dot-stuffed on the wire, not cut short
        sent = wait_row(mail_id, lambda r: r["state"] == "sent")
        self.assertEqual(sent["message_length"], "0")
        self.assertEqual(sent["attempts"], "1")
        self.assertNotEqual(sent["sent_at"], "")
        self.assertRegex(sent["claimed_by"], r".+:\d+$")
        self.assertEqual(len(smtp.mails_to(recipient)), 1)
        self.assertIn("mail %d to %s sent" % (mail_id, recipient), mailer_log())

    def test_a_relay_that_is_down_gets_the_mail_when_it_is_back(self):
        smtp.stop()
        recipients = [unique_name("down") + "@example.com" for _ in range(3)]
        ids = [queue(r)[0] for r in recipients]
        for mail_id in ids:
            waiting = wait_row(mail_id, lambda r: int(r["attempts"]) >= 2)
            self.assertEqual(waiting["state"], "waiting")
            self.assertNotEqual(waiting["last_error"], "")
            self.assertNotEqual(waiting["message_length"], "0")
        smtp.start()
        for recipient, mail_id in zip(recipients, ids):
            smtp.wait_for(lambda m: m.to == [recipient], timeout=30)
            wait_row(mail_id, lambda r: r["state"] == "sent")
            self.assertEqual(len(smtp.mails_to(recipient)), 1)

    def test_a_4xx_answer_is_retried_and_a_5xx_answer_fails_it_logged_once(self):
        smtp.answer = "451 4.3.0 try later"
        recipient = unique_name("refused") + "@example.com"
        mail_id, _ = queue(recipient)
        retried = wait_row(mail_id, lambda r: int(r["attempts"]) >= 2)
        self.assertEqual(retried["state"], "waiting")
        self.assertIn("451", retried["last_error"])
        smtp.answer = "550 5.1.1 no such user"
        failed = wait_row(mail_id, lambda r: r["state"] == "failed", timeout=30)
        self.assertIn("550", failed["last_error"])
        self.assertEqual(failed["message_length"], "0")
        attempts = int(failed["attempts"])
        time.sleep(3)  # more than the retry delays so far: nothing tries it again
        self.assertEqual(row(mail_id)["attempts"], str(attempts))
        self.assertEqual(smtp.mails_to(recipient), [])
        failures = [line for line in mailer_log().splitlines()
                    if "mail %d to " % mail_id in line and "failed" in line]
        self.assertEqual(len(failures), 1, failures)
        retries = [line for line in mailer_log().splitlines()
                   if "mail %d to " % mail_id in line and "trying again" in line]
        self.assertGreaterEqual(len(retries), 1)

    def test_a_mailer_killed_mid_send_leaves_the_mail_for_after_its_lease(self):
        smtp.delay = 2
        recipient = unique_name("killed") + "@example.com"
        seen = smtp.attempts
        mail_id, _ = queue(recipient)
        deadline = time.monotonic() + 20
        while smtp.attempts == seen and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreater(smtp.attempts, seen, "the mailer never sent DATA")
        victim = wait_stack_mailer()
        os.kill(victim, signal.SIGKILL)
        leased_until = row(mail_id)["next_attempt_at"]
        lease_left = int(stack.sql("SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), next_attempt_at) "
                                   "FROM outbox WHERE id = %d" % mail_id)[0][0])
        self.assertGreaterEqual(lease_left, LEASE - 4)  # claimed at most a few seconds ago
        smtp.delay = 0
        wait_stack_mailer(exclude=[victim])
        sent = wait_row(mail_id, lambda r: r["state"] == "sent", timeout=LEASE + 20)
        self.assertEqual(sent["attempts"], "2")
        self.assertGreaterEqual(sent["sent_at"], leased_until)
        self.assertGreaterEqual(len(smtp.mails_to(recipient)), 1)

    def test_the_mailer_outlives_a_database_restart(self):
        mailer = wait_stack_mailer()
        log_start = len(mailer_log())
        databases = [pid for pid, cmdline in stack_processes(stack) if "mariadbd" in cmdline.split(" ")[0]]
        self.assertEqual(len(databases), 1, databases)
        os.kill(databases[0], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while True:
            try:
                recipient = unique_name("after") + "@example.com"
                mail_id, _ = queue(recipient)
                break
            except subprocess.CalledProcessError:
                self.assertLess(time.monotonic(), deadline, "MariaDB did not come back")
                time.sleep(0.5)
        smtp.wait_for(lambda m: m.to == [recipient], timeout=30)
        wait_row(mail_id, lambda r: r["state"] == "sent")
        self.assertEqual(stack_mailer_pids(), [mailer])
        # Database reconnects at once when the new server is up already: at most one line.
        self.assertLessEqual(mailer_log()[log_start:].count("database unavailable"), 1)

    def test_a_database_that_stops_answering_is_logged_once_and_waited_out(self):
        mailer = wait_stack_mailer()
        log_start = len(mailer_log())
        database = [pid for pid, cmdline in stack_processes(stack) if "mariadbd" in cmdline.split(" ")[0]][0]
        os.kill(database, signal.SIGSTOP)
        try:
            time.sleep(8)  # several db_timeout_seconds (2) and polls
        finally:
            os.kill(database, signal.SIGCONT)
        recipient = unique_name("thawed") + "@example.com"
        mail_id, _ = queue(recipient)
        smtp.wait_for(lambda m: m.to == [recipient], timeout=30)
        wait_row(mail_id, lambda r: r["state"] == "sent")
        self.assertEqual(stack_mailer_pids(), [mailer])
        log = mailer_log()[log_start:]
        self.assertEqual(log.count("database unavailable"), 1, log)
        self.assertIn("the database answers again", log)

    def test_two_mailers_on_one_database_send_each_mail_exactly_once(self):
        second = subprocess.Popen([MAILER, "--config", config_path()], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            smtp.delay = 0.1
            recipients = [unique_name("both") + "@example.com" for _ in range(30)]
            ids = [queue(r)[0] for r in recipients]
            for mail_id in ids:
                wait_row(mail_id, lambda r: r["state"] == "sent", timeout=60)
            for recipient in recipients:
                self.assertEqual(len(smtp.mails_to(recipient)), 1, recipient)
            claimants = stack.sql("SELECT DISTINCT claimed_by FROM outbox WHERE id IN (%s)" %
                                  ",".join(map(str, ids)))
            self.assertEqual(len(claimants), 2, claimants)
        finally:
            second.send_signal(signal.SIGTERM)
            _, errors = second.communicate(timeout=30)
        self.assertEqual(second.returncode, 0, errors)
        self.assertIn("stopped", errors)

    def test_a_mail_whose_retry_hours_ran_out_is_failed(self):
        smtp.answer = "451 4.3.0 try later"
        recipient = unique_name("late") + "@example.com"
        mail_id, _ = queue(recipient, created="UTC_TIMESTAMP() - INTERVAL 25 HOUR")
        failed = wait_row(mail_id, lambda r: r["state"] == "failed")
        self.assertEqual(failed["attempts"], "1")
        self.assertIn("451", failed["last_error"])
        self.assertEqual(failed["message_length"], "0")
        # Queued 24 h less a few seconds ago: tried while its hours last, then failed.
        mail_id, _ = queue(recipient, created="UTC_TIMESTAMP() - INTERVAL 24 HOUR + INTERVAL 5 SECOND")
        failed = wait_row(mail_id, lambda r: r["state"] == "failed", timeout=20)
        self.assertGreaterEqual(int(failed["attempts"]), 2)
        self.assertIn("mail %d to %s failed after" % (mail_id, recipient), mailer_log())

    def test_housekeeping_deletes_old_outbox_rows_and_expired_reset_tokens(self):
        old_sent, _ = queue("old@example.com", state="sent", created="UTC_TIMESTAMP() - INTERVAL 8 DAY")
        old_failed, _ = queue("old@example.com", state="failed",
                              created="UTC_TIMESTAMP() - INTERVAL 8 DAY")
        recent_sent, _ = queue("recent@example.com", state="sent",
                               created="UTC_TIMESTAMP() - INTERVAL 6 DAY")
        expired, live = os.urandom(32).hex(), os.urandom(32).hex()
        stack.sql("INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at) "
                  "SELECT X'%s', id, UTC_TIMESTAMP(), UTC_TIMESTAMP() - INTERVAL 1 MINUTE FROM users "
                  "WHERE username = 'john'; "
                  "INSERT INTO password_reset_tokens (token_hash, user_id, created_at, expires_at) "
                  "SELECT X'%s', id, UTC_TIMESTAMP(), UTC_TIMESTAMP() + INTERVAL 1 HOUR FROM users "
                  "WHERE username = 'john'" % (expired, live))
        # A new mailer sweeps at its start.
        victim = wait_stack_mailer()
        os.kill(victim, signal.SIGTERM)
        wait_stack_mailer(exclude=[victim])
        deadline = time.monotonic() + 20
        while row(old_sent) is not None or row(old_failed) is not None:
            self.assertLess(time.monotonic(), deadline, mailer_log()[-2000:])
            time.sleep(0.2)
        self.assertIsNotNone(row(recent_sent))
        tokens = stack.sql("SELECT HEX(token_hash) FROM password_reset_tokens WHERE token_hash IN "
                           "(X'%s', X'%s')" % (expired, live))
        self.assertEqual(tokens, [[live.upper()]])


class AdminMailTest(unittest.TestCase):
    def setUp(self):
        smtp.answer = None
        smtp.delay = 0
        if smtp.controller is None:
            smtp.start()

    def test_mail_queue_lists_waiting_and_failed_mail_but_not_sent(self):
        later = "UTC_TIMESTAMP() + INTERVAL 1 DAY"  # not due: the mailer leaves it alone
        waiting, _ = queue("queued@example.com", due=later)
        failed, _ = queue("gone@example.com", state="failed", due=later)
        stack.sql("UPDATE outbox SET last_error = 'the relay answered 550: no\tsuch user', attempts = 3 "
                  "WHERE id = %d" % failed)
        sent, _ = queue("done@example.com", state="sent", due=later)
        result = admin("mail-queue")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = {int(line.split("\t")[0]): line.split("\t") for line in result.stdout.splitlines()}
        self.assertNotIn(sent, lines)
        self.assertEqual(lines[waiting][1:5], ["password_reset", "queued@example.com", "waiting", "0"])
        self.assertEqual(len(lines[waiting]), 8)
        self.assertRegex(lines[waiting][5], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertEqual(lines[failed][3:5], ["failed", "3"])
        self.assertEqual(lines[failed][7], "the relay answered 550: no such user")

    def test_send_test_mail_delivers_through_the_relay(self):
        address = unique_name("test") + "@example.com"
        result = admin("send-test-mail", address)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("delivered", result.stderr)
        mail = smtp.wait_for(lambda m: m.to == [address], timeout=5)
        self.assertEqual(mail.message["Subject"], "Microblog test mail")
        self.assertEqual(mail.message["From"], "Microblog <%s>" % FROM_ADDRESS)
        self.assertEqual(mail.mail_from, FROM_ADDRESS)

    def test_send_test_mail_says_why_it_was_not_delivered(self):
        smtp.answer = "550 5.7.1 relaying denied"
        result = admin("send-test-mail", "nobody@example.com")
        self.assertEqual(result.returncode, 1)
        self.assertIn("refused", result.stderr)
        self.assertIn("550", result.stderr)
        smtp.stop()
        result = admin("send-test-mail", "nobody@example.com")
        self.assertEqual(result.returncode, 1)
        self.assertIn("not delivered", result.stderr)
        result = admin("send-test-mail", "not an address")
        self.assertEqual(result.returncode, 1)

    def test_the_help_names_the_mail_commands(self):
        result = subprocess.run([ADMIN, "--help"], capture_output=True, text=True)
        self.assertRegex(result.stdout, r"\n  mail-queue +one line per mail")
        self.assertRegex(result.stdout, r"\n  send-test-mail ADDRESS +send a test mail")


if __name__ == "__main__":
    unittest.main()

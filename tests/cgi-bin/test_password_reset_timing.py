#!/usr/bin/python3
"""/reset_password_request answers a known address as fast as an unknown one, with the same
status, Location and flash, whatever the relay does (issue 28): the page only queues the mail,
and microblog-mailer delivers it later. Against a real SMTP server on loopback
(tests/support/smtp_server.py) that takes RELAY_DELAY seconds over each mail, and then with no
relay at all. A page that sent its mail inside the request would take the relay's time (or its
failure) only for the known address, and fail here; the mails still arrive, once the relay is
done or back."""
import os
import statistics
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor, unique_name  # noqa: E402
from smtp_server import SmtpServer, free_port  # noqa: E402
from stack import Stack, sql_text  # noqa: E402

CHECK_YOUR_EMAIL = "Check your email for the instructions to reset your password"
RELAY_DELAY = 2.0  # seconds the relay takes over each mail
# Far below RELAY_DELAY, far above what a loaded 2-core machine adds between two requests.
MAX_MEDIAN_DIFFERENCE = 0.5
PAIRS = 10  # timed requests for a known and for an unknown address, interleaved

SMTP_PORT = free_port()
smtp = SmtpServer(port=SMTP_PORT)
# mail_per_address_per_hour raised: every request for the known address queues a mail (over
# the budget, nothing would be queued and there would be nothing to wait for).
stack = Stack("cgi-bin-password-reset-timing", config={
    "mail_transport": "smtp", "smtp_host": "127.0.0.1", "smtp_port": SMTP_PORT,
    "mail_retry_seconds": 1, "mail_per_address_per_hour": 1000})


def setUpModule():
    smtp.start()
    unittest.addModuleCleanup(smtp.stop)
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def new_address():
    name = unique_name("timing")
    visitor = Visitor(stack.url)
    assert visitor.register(name).status_code == 302
    visitor.http.close()
    return name + "@example.com"


def timed_request(address):
    """(seconds the POST took, what the visitor saw: status, Location, flashes on /login)."""
    visitor = Visitor(stack.url)
    try:
        token = visitor.csrf_token("/reset_password_request")
        start = time.monotonic()
        answer = visitor.post("/reset_password_request", {"csrf_token": token, "email": address})
        seconds = time.monotonic() - start
        seen = (answer.status_code, answer.headers.get("Location"), tuple(visitor.flashes(visitor.get("/login").text)))
        return seconds, seen
    finally:
        visitor.http.close()


def outbox_states(address):
    """(state, attempts, last_error) of each reset mail queued for `address`, oldest first."""
    return [(state, int(attempts), error) for state, attempts, error in stack.sql(
        "SELECT state, attempts, last_error FROM outbox WHERE recipient_key = LOWER(%s) "
        "AND kind = 'password_reset' ORDER BY id" % sql_text(address))]


def wait_until(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not within %ss: %s" % (timeout, what))
        time.sleep(0.2)


class TimingTest(unittest.TestCase):
    def measure(self, known):
        """PAIRS requests for `known` and PAIRS for fresh unknown addresses, alternating which
        goes first; returns (known seconds, unknown seconds) after checking every answer."""
        known_seconds, unknown_seconds, seen = [], [], set()
        for i in range(PAIRS):
            unknown = unique_name("nobody") + "@example.com"
            order = [(known, known_seconds), (unknown, unknown_seconds)]
            for address, times in order if i % 2 == 0 else reversed(order):
                seconds, answer = timed_request(address)
                times.append(seconds)
                seen.add(answer)
        self.assertEqual(seen, {(302, "/login", (CHECK_YOUR_EMAIL,))})
        return known_seconds, unknown_seconds

    def assertSameTime(self, slow, fast, what):
        difference = statistics.median(slow) - statistics.median(fast)
        self.assertLess(abs(difference), MAX_MEDIAN_DIFFERENCE,
                        "%s: medians differ by %.3f s (%s vs %s)" % (what, difference, slow, fast))

    def wait_for_mails(self, address, count, timeout):
        wait_until(lambda: len(smtp.mails_to(address)) >= count, timeout,
                   "%d mails to %s (received %d)" % (count, address, len(smtp.mails_to(address))))
        self.assertEqual(len(smtp.mails_to(address)), count)
        self.assertEqual([state for state, _, _ in outbox_states(address)], ["sent"] * count)

    def test_a_known_address_does_not_wait_for_a_slow_relay(self):
        known = new_address()
        smtp.delay = RELAY_DELAY
        self.addCleanup(setattr, smtp, "delay", 0)
        # The first requests of a fresh stack's workers pay for their start; not measured.
        timed_request(known)
        timed_request(unique_name("nobody") + "@example.com")

        known_seconds, unknown_seconds = self.measure(known)
        self.assertSameTime(known_seconds, unknown_seconds, "known vs unknown address, slow relay")
        self.assertLess(statistics.median(known_seconds), RELAY_DELAY / 4, known_seconds)
        # The answers came while the relay was still busy with their mails: at RELAY_DELAY a
        # mail, the PAIRS + 1 mails take longer than the requests did.
        self.assertLess(len(smtp.mails_to(known)), PAIRS + 1)

        # Every request queued its mail, and the slow relay gets them all in the end.
        self.wait_for_mails(known, PAIRS + 1, timeout=(PAIRS + 1) * RELAY_DELAY * 2 + 60)
        for mail in smtp.mails_to(known):
            self.assertEqual(mail.message["Subject"], "[Microblog] Reset Your Password")

    def test_with_the_relay_down_the_page_is_as_fast_and_the_mail_waits_for_it(self):
        known = new_address()
        timed_request(known)
        timed_request(unique_name("nobody") + "@example.com")
        up_known, up_unknown = self.measure(known)
        self.assertSameTime(up_known, up_unknown, "known vs unknown address, relay up")
        self.wait_for_mails(known, PAIRS + 1, timeout=60)

        smtp.stop()
        try:
            down_known, down_unknown = self.measure(known)
            self.assertSameTime(down_known, down_unknown, "known vs unknown address, relay down")
            self.assertSameTime(down_known, up_known, "known address, relay down vs up")

            # The mailer tried, failed, and keeps the mails for later.
            waiting = lambda: outbox_states(known)[PAIRS + 1:]  # noqa: E731
            wait_until(lambda: all(state == "waiting" and attempts >= 1 and error for state, attempts, error
                                   in waiting()), 60, "every new mail tried once: %r" % (waiting(),))
            self.assertEqual(len(waiting()), PAIRS)
            self.assertEqual(len(smtp.mails_to(known)), PAIRS + 1)
        finally:
            smtp.start()

        # The relay is back: the mails that waited arrive.
        self.wait_for_mails(known, 2 * PAIRS + 1, timeout=120)


if __name__ == "__main__":
    unittest.main(verbosity=2)

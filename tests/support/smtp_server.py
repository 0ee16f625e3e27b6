"""A real SMTP server on loopback for the mail tests (Debian's python3-aiosmtpd), in-process.

    with SmtpServer() as smtp:           # listens on 127.0.0.1:smtp.port
        smtp.answer = "451 4.3.0 try later"   # or "550 5.1.1 no such user"; None accepts
        smtp.delay = 5                   # seconds each DATA waits before answering
        mail = smtp.wait_for(lambda m: m.to == ["susan@example.com"], timeout=30)
        mail.message["Subject"], mail.body

Every delivery it accepted is in .received (Mail objects), every DATA it saw, accepted or not,
counts in .attempts."""
import asyncio
import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller
from ports import free_port  # noqa: F401 (tests import it from here)


class Mail:
    def __init__(self, envelope):
        self.raw = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        self.mail_from = envelope.mail_from
        self.to = list(envelope.rcpt_tos)
        self.message = email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def body(self):
        return self.message.get_content()

    def __repr__(self):
        return "Mail(to=%r, subject=%r)" % (self.to, self.message["Subject"])


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, server, session, envelope):
        owner = self.server
        with owner.lock:
            owner.attempts += 1
            delay, answer = owner.delay, owner.answer
        if delay:
            await asyncio.sleep(delay)
        if answer:
            return answer
        with owner.lock:
            owner.received.append(Mail(envelope))
            owner.condition.notify_all()
        return "250 2.0.0 OK"


class SmtpServer:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.condition = threading.Condition(self.lock)
        self.received = []
        self.attempts = 0
        self.answer = None
        self.delay = 0
        self.controller = None

    def start(self):
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_for(self, match=lambda mail: True, timeout=30):
        """The first received mail `match` accepts, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while True:
                for mail in self.received:
                    if match(mail):
                        return mail
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no matching mail within %ss; received %r" % (timeout, self.received))
                self.condition.wait(left)

    def mails_to(self, address):
        with self.lock:
            return [mail for mail in self.received if address in mail.to]

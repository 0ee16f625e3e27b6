"""Steady traffic for the reliability tests: threads that repeat one request and record every
answer (status, whether its body carried the expected marker, how long it took), while the
test causes a fault."""
import collections
import threading
import time

import requests

Answer = collections.namedtuple("Answer", "status marked seconds at")

# What each status may say: our own pages (a program's, or nginx's static one when it stands in
# for the program), never nginx's built-in ones or a bare error.
MARKERS = {
    502: ("The site is restarting or briefly unavailable.",),
    503: ("The site is having trouble right now", "The site is busy or under maintenance."),
}


class Load:
    """with Load(send, threads) as load: ...; then load.answers. send(session) returns a
    requests.Response; `expected` maps each acceptable status to a marker its body must hold."""

    def __init__(self, send, threads=4, expected=None):
        self.send = send
        self.threads = threads
        self.expected = expected or {}
        self.answers = []
        self.errors = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._workers = []

    def _run(self):
        session = requests.Session()
        while not self._stop.is_set():
            start = time.monotonic()
            try:
                response = self.send(session)
            except requests.RequestException as e:
                with self._lock:
                    self.errors.append("%.3f %s" % (time.monotonic(), e))
                time.sleep(0.05)
                continue
            if response.status_code in self.expected:
                markers = (self.expected[response.status_code],)
            else:
                markers = MARKERS.get(response.status_code, ())
            answer = Answer(response.status_code, any(m in response.text for m in markers),
                            time.monotonic() - start, start)
            with self._lock:
                self.answers.append(answer)

    def __enter__(self):
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def statuses(self):
        return collections.Counter(answer.status for answer in self.answers)

    def unmarked(self):
        """Answers whose body lacked the marker of their status (or whose status has none)."""
        return [answer for answer in self.answers if not answer.marked]

    def since(self, moment):
        return [answer for answer in self.answers if answer.at >= moment]

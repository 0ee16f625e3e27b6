"""Ports for the servers of tests (stacks, SMTP servers), never the same one twice at a time on
the machine, however many test files run in parallel.

Binding port 0 and closing it again, then starting a server there later, is a race: another
test file asking the kernel meanwhile may be given the same port, and any outgoing connection
may take it as its local port. So ports come from below the kernel's ephemeral range, and each
is held by an flock on a file named after it for as long as the test process lives (the lock
ends with the process, so nothing stale stays reserved)."""
import fcntl
import os
import random
import socket
import tempfile

RESERVATIONS = os.path.join(tempfile.gettempdir(), "microblog-test-ports")
FIRST_PORT = 20000
_held = []  # open files whose locks are this process's reservations


def _first_ephemeral_port():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port():
    """A port on 127.0.0.1 that nothing uses now and no other test process will be given."""
    os.makedirs(RESERVATIONS, mode=0o1777, exist_ok=True)
    last = max(FIRST_PORT + 1000, _first_ephemeral_port() - 1)
    for _ in range(1000):
        port = random.randint(FIRST_PORT, last)
        reservation = open(os.path.join(RESERVATIONS, str(port)), "a")
        try:
            fcntl.flock(reservation, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            reservation.close()
            continue
        if not _bindable(port):  # used by something that is no test
            reservation.close()
            continue
        _held.append((port, reservation))
        return port
    raise RuntimeError("no free port between %d and %d" % (FIRST_PORT, last))

#!/usr/bin/python3
"""The browser side of the host deployment tests, run inside the client network namespace
(ThrowawayHost.client), so it can reach the throwaway host and nothing else.

    host_client.py sign-in URL USERNAME PASSWORD    prints the greeting of the home page
    host_client.py session URL USERNAME PASSWORD     prints the session cookie of a sign-in
    host_client.py home URL COOKIE
        reads the home page with that session cookie; prints JSON {"status": N, "greeting":
        NAME or null, "renewed": the session cookie the answer sets, or null}
    host_client.py register URL USERNAME PASSWORD
    host_client.py load URL USERNAME PASSWORD SECONDS THREADS
        signs in and reads the home page in a loop, signing out and in again now and then;
        prints JSON {"ok": N, "failures": [...]} where a failure is any unexpected answer
The password is read from the argument list: these are test accounts on a throwaway host.
"""
import json
import os
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import Visitor  # noqa: E402


def greeting(visitor):
    page = visitor.get("/index")
    if page.status_code != 200 or "Hi, " not in page.text:
        raise AssertionError("home page: %d %s" % (page.status_code, page.text[:200]))
    return page.text.split("Hi, ", 1)[1].split("!", 1)[0]


def sign_in(url, username, password):
    visitor = Visitor(url)
    answer = visitor.login(username, password)
    if answer.status_code != 302 or answer.headers.get("Location") != "/index":
        raise AssertionError("sign-in: %d %s" % (answer.status_code, answer.text[:200]))
    return visitor


def home(url, cookie):
    page = requests.get(url + "/index", headers={"Cookie": "session=" + cookie},
                        allow_redirects=False, timeout=30)
    renewed = page.cookies.get("session")
    greeting = page.text.split("Hi, ", 1)[1].split("!", 1)[0] if "Hi, " in page.text else None
    return {"status": page.status_code, "greeting": greeting, "renewed": renewed}


def load(url, username, password, seconds, threads):
    results = {"ok": 0, "failures": []}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one_client():
        visitor = None
        count = 0
        while time.monotonic() < deadline:
            try:
                if visitor is None:
                    visitor = sign_in(url, username, password)
                name = greeting(visitor)
                if name != username:
                    raise AssertionError("greeted as %r" % name)
                count += 1
                if count % 25 == 0:
                    answer = visitor.logout()
                    if answer.status_code not in (200, 302):
                        raise AssertionError("sign-out: %d" % answer.status_code)
                    visitor = None
                with lock:
                    results["ok"] += 1
            except (AssertionError, requests.RequestException) as e:
                with lock:
                    results["failures"].append("%.3f %s" % (time.time(), e))
                visitor = None

    workers = [threading.Thread(target=one_client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def main(argv):
    command, url = argv[1], argv[2].rstrip("/")
    if command == "sign-in":
        print(greeting(sign_in(url, argv[3], argv[4])))
    elif command == "session":
        print(sign_in(url, argv[3], argv[4]).http.cookies["session"])
    elif command == "home":
        print(json.dumps(home(url, argv[3])))
    elif command == "register":
        answer = Visitor(url).register(argv[3], password=argv[4])
        if answer.status_code != 302:
            raise SystemExit("register: %d" % answer.status_code)
    elif command == "load":
        print(json.dumps(load(url, argv[3], argv[4], float(argv[5]), int(argv[6]))))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

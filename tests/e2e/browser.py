"""Headless Chromium through chromedriver, for the end-to-end tests: start, restart, screenshots, quit.

A Browser owns one profile folder (--user-data-dir). restart() ends the Chromium process and starts
a new one on the SAME profile, which is what a person closing and reopening the browser does:
cookies with an expiry (Max-Age) come back from the profile's cookie database, session cookies do
not (Chromium restores those only with --restore-last-session or the "Continue where you left off"
setting, neither of which is used here).

Every process started here is ended by quit(), also when the driver no longer answers; close()
also removes the profile. Tests register close() with addCleanup so it runs on failure too.
"""
import os
import shutil
import signal
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def is_stale(element):
    """True once `element`'s document has been replaced. selenium's staleness_of expects a
    StaleElementReferenceException, but newer Chromium sometimes answers a replaced page with an
    inspector error ("Node with given id does not belong to the document") instead."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
DESKTOP = (1280, 900)
PHONE = (360, 740)
# Generous: a loaded 2-core machine runs Chromium, nginx, MariaDB and the programs at once.
WAIT_SECONDS = 20

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("MICROBLOG_BUILD_DIR", os.path.join(REPO_DIR, "build"))
SCREENSHOT_ROOT = os.path.join(BUILD_DIR, "e2e-screenshots")
# Screenshots taken so far per folder: browsers of one test (e.g. a desktop and a phone) number
# their pictures in one sequence.
_shot_counts = {}

# As root, in a container, on a closed network: no sandbox (it needs user namespaces root is
# refused), and nothing that phones home (each such attempt only waits for a timeout).
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-default-apps",
    "--disable-extensions",
    "--password-store=basic",
    # Screenshots at 1 CSS pixel = 1 image pixel whatever the host's settings.
    "--force-device-scale-factor=1",
    "--hide-scrollbars",
    "--lang=en-US",
]


def _descendants(root_pid):
    """Pids of every live process below root_pid (children, grandchildren, ...), from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root_pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _processes_using(path):
    """Pids whose command line names `path` (the profile folder: unique to one Browser)."""
    needle = path.encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                if needle in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def _kill(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Browser:
    """One person's browser. `test` names the screenshot folder; size is (width, height)."""

    def __init__(self, test, size=DESKTOP, phone=False, profile_dir=None):
        self.test = test
        self.size = size
        self.phone = phone
        self.owns_profile = profile_dir is None
        self.profile_dir = profile_dir or tempfile.mkdtemp(prefix="microblog-e2e-profile-")
        self.driver = None
        self.service = None
        self.screenshot_dir = os.path.join(SCREENSHOT_ROOT, test)
        if self.screenshot_dir not in _shot_counts:
            # Screenshots of an earlier run of this test would mix with this run's numbering.
            shutil.rmtree(self.screenshot_dir, ignore_errors=True)
            _shot_counts[self.screenshot_dir] = 0

    # --- life cycle ---

    def start(self):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument("--user-data-dir=" + self.profile_dir)
        options.add_argument("--window-size=%d,%d" % self.size)
        self.service = Service(CHROMEDRIVER, log_path=os.devnull)
        self.driver = webdriver.Chrome(service=self.service, options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.set_script_timeout(30)
        width, height = self.size
        if self.phone:
            # A window cannot be narrower than 500 px, so a phone is emulated as Chrome DevTools'
            # device mode does it: a 360 px mobile viewport that honours <meta name="viewport">
            # (without that tag the page would be laid out 980 px wide and zoomed out).
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
        else:
            # --window-size is the outer window, and headless Chromium still reserves room for a
            # (hidden) toolbar; grow the window so the page area, which screenshots show, is
            # exactly the asked-for size.
            inner = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
            outer = self.driver.get_window_size()
            self.driver.set_window_size(outer["width"] + width - inner[0],
                                        outer["height"] + height - inner[1])
        return self

    def quit(self):
        """Ends Chromium the way a person closing the browser does, then chromedriver.

        Persistent cookies (Max-Age) survive only if they reach the profile's "Cookies"
        database, which Chromium writes lazily (in batches, about every 30 s) and on an orderly
        shutdown. driver.quit() is orderly: chromedriver asks Chromium over DevTools to close and
        waits for it. Measured here: a Max-Age cookie set immediately before quit() was back after
        the restart, six times in a row, and session cookies were gone each time; when Chromium
        was killed instead (SIGKILL), the same cookie was lost. So no sleep or extra navigation is
        needed before quitting, but Chromium must never be killed while it still answers: the
        kill below is only for a browser or driver that is already dead or hung.
        """
        driver, service, self.driver, self.service = self.driver, self.service, None, None
        if driver is None and service is None:
            return
        process = getattr(service, "process", None)
        tree = [process.pid] + _descendants(process.pid) if process else []
        try:
            if driver is not None:
                driver.quit()
            elif service is not None:
                service.stop()  # Chromium never started: only chromedriver to end
        except Exception:  # a dead or hung driver: the processes are ended below instead
            pass
        # quit() returns once chromedriver has stopped; Chromium's helper processes may need a
        # moment more. Polling /proc (there is no driver left to wait with).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._alive(tree + _processes_using(self.profile_dir)):
            time.sleep(0.1)
        _kill(self._alive(tree + _processes_using(self.profile_dir)))

    def restart(self):
        """Closes the browser and opens it again on the same profile: a new Chromium process."""
        self.quit()
        return self.start()

    def close(self):
        """quit() and remove the profile folder if this Browser made it. Safe to call twice."""
        self.quit()
        if self.owns_profile:
            shutil.rmtree(self.profile_dir, ignore_errors=True)

    @staticmethod
    def _alive(pids):
        alive = []
        for pid in set(pids):
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        alive.append(pid)
            except (OSError, IndexError):
                pass
        return alive

    # --- pages ---

    def open(self, url):
        self.driver.get(url)
        self.wait_for_page()

    def wait(self, condition, timeout=WAIT_SECONDS, message=""):
        return WebDriverWait(self.driver, timeout).until(condition, message)

    def wait_for_page(self):
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete",
                  message="page did not finish loading")

    def wait_for_url(self, predicate, message):
        """Waits until predicate(current URL) and the page has loaded; returns the URL."""
        self.wait(lambda d: predicate(d.current_url),
                  message="%s (URL is %s)" % (message, self.driver.current_url))
        self.wait_for_page()
        return self.driver.current_url

    def click_and_wait_for_new_page(self, element):
        """Clicks (a submit button, a link) and waits until the next document has loaded, also
        when its URL is the same (a form shown again with errors)."""
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        self.wait(lambda driver: is_stale(old_page),
                  message="no new page after clicking (still on %s)" % self.driver.current_url)
        self.wait_for_page()

    def fill(self, field_id, text):
        field = self.driver.find_element(By.ID, field_id)
        field.clear()
        field.send_keys(text)
        return field

    def active_element_id(self):
        return self.driver.execute_script("return document.activeElement && document.activeElement.id")

    def cookies(self):
        return {c["name"]: c for c in self.driver.get_cookies()}

    def screenshot(self, name):
        """Saves the visible page as <build>/e2e-screenshots/<test>/<NN>-<name>.png."""
        os.makedirs(self.screenshot_dir, exist_ok=True)
        _shot_counts[self.screenshot_dir] += 1
        number = _shot_counts[self.screenshot_dir]
        path = os.path.join(self.screenshot_dir, "%02d-%s.png" % (number, name))
        if not self.driver.save_screenshot(path):
            raise WebDriverException("screenshot %s was not saved" % path)
        return path


def open_browser(testcase, phone=False, profile_dir=None):
    """A started Browser for a unittest.TestCase, closed (processes ended, profile removed) by
    the test's cleanups whether it passes or fails. Screenshots go to a folder named after the
    test: <module>.<method>."""
    module = testcase.__class__.__module__
    if module == "__main__":
        module = os.path.splitext(os.path.basename(
            __import__("__main__").__file__))[0]
    browser = Browser("%s.%s" % (module, testcase._testMethodName), size=PHONE if phone else DESKTOP,
                      phone=phone, profile_dir=profile_dir)
    testcase.addCleanup(browser.close)
    return browser.start()

#!/usr/bin/python3
"""The account pages in a real browser (headless Chromium), with two browsers of one user at once:
reaching the account page from the navigation, seeing where one is signed in and signing another
browser out, sudo mode's password confirmation, and a password change that signs out every other
browser while this one stays signed in."""
import os
import sys
import unittest
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import open_browser  # noqa: E402
from client import Visitor, register_fresh_user  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from stack import Stack, sql_text  # noqa: E402

stack = Stack("e2e-account-pages")

PASSWORD = "correct horse battery"
NEW_PASSWORD = "battery staple horse 42"
INCORRECT_PASSWORD = "Incorrect password."
# Device emulation makes the page a phone's, not the User-Agent header: the emulated phone says
# what a phone's Chrome says, so the sessions page can tell the two browsers apart.
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
SESSIONS_PATH = "/account/sessions"
CONFIRM_SESSIONS_URL_PATH = "/confirm?next=%2Faccount%2Fsessions"


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def registered_user(testcase):
    return register_fresh_user(testcase, stack.url, PASSWORD, "acct")


def make_confirmation_stale(name):
    """Every session of `name` last confirmed its password 11 minutes ago (reauth_minutes is 10)."""
    stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id "
              "SET s.confirmed_at = UTC_TIMESTAMP() - INTERVAL 11 MINUTE WHERE u.username = %s" % sql_text(name))


class AccountPagesTest(unittest.TestCase):
    # --- helpers ---

    def url(self, path):
        return stack.url + path

    def heading(self, browser):
        return browser.driver.find_element(By.TAG_NAME, "h1").text

    def flashes(self, browser):
        return [item.text for item in browser.driver.find_elements(By.CSS_SELECTOR, "ul.flashes li")]

    def submit(self, browser, value):
        browser.click_and_wait_for_new_page(browser.driver.find_element(
            By.CSS_SELECTOR, 'input[type="submit"][value="%s"]' % value))

    def phone_browser(self):
        browser = open_browser(self, phone=True)
        browser.driver.execute_cdp_cmd("Emulation.setUserAgentOverride",
                                       {"userAgent": ANDROID_CHROME, "platform": "Linux armv8l"})
        return browser

    def sign_in(self, browser, name, password=PASSWORD):
        """Through the login form, as a person does it; ends on the home page."""
        browser.open(self.url("/login"))
        self.assertEqual(self.heading(browser), "Sign In")
        browser.fill("username", name)
        browser.fill("password", password)
        self.submit(browser, "Sign In")
        self.assertEqual(browser.driver.current_url, self.url("/index"))
        self.assertEqual(self.heading(browser), "Hi, %s!" % name)

    def assertSignedOut(self, browser):
        """The browser's next visit to the home page is sent to sign in."""
        browser.open(self.url("/index"))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "a signed-out browser not sent to sign in")
        self.assertEqual(browser.driver.current_url, self.url("/login?next=%2Findex"))
        self.assertEqual(self.heading(browser), "Sign In")

    def sessions(self, browser):
        """The sessions page's entries, in page order."""
        return browser.driver.find_elements(By.CSS_SELECTOR, "ul.sessions > li.session")

    def describe(self, session):
        """(device label, is this device, has its own Sign out button) of one entry."""
        return (session.find_element(By.TAG_NAME, "strong").text,
                len(session.find_elements(By.CSS_SELECTOR, "span.this-device")) == 1,
                len(session.find_elements(By.CSS_SELECTOR, 'button[name="action"][value="end"]')) == 1)

    def go_to_account(self, browser, name):
        """From any signed-in page, by the navigation's Account link."""
        link = browser.driver.find_element(By.XPATH, "//nav//a[normalize-space()='Account']")
        browser.click_and_wait_for_new_page(link)
        self.assertEqual(browser.driver.current_url, self.url("/account"))
        self.assertEqual(self.heading(browser), "Your Account")
        self.assertEqual(browser.driver.find_element(By.ID, "account-username").text, name)
        self.assertEqual(browser.driver.find_element(By.ID, "account-email").text, "%s@example.com" % name)

    # --- tests ---

    def test_seeing_where_one_is_signed_in_and_signing_another_browser_out(self):
        name = registered_user(self)
        laptop = open_browser(self)
        phone = self.phone_browser()
        self.sign_in(laptop, name)
        self.sign_in(phone, name)

        self.go_to_account(laptop, name)
        laptop.screenshot("account")

        laptop.click_and_wait_for_new_page(
            laptop.driver.find_element(By.CSS_SELECTOR, 'a[href="/account/sessions"]'))
        self.assertEqual(laptop.driver.current_url, self.url(SESSIONS_PATH))
        self.assertEqual(self.heading(laptop), "Where You Are Signed In")
        sessions = self.sessions(laptop)
        for session in sessions:
            self.assertRegex(session.get_attribute("id"), r"^session-[0-9a-f]{32}$")
            self.assertEqual(session.find_element(By.CSS_SELECTOR, ".session-address").text, "127.0.0.1")
            self.assertRegex(session.find_element(By.CSS_SELECTOR, ".session-signed-in").text,
                             r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
            self.assertEqual(session.find_element(By.CSS_SELECTOR, ".session-remembered").text, "No")
        # This device first, badged and without a Sign out of its own; the phone after it.
        self.assertEqual([self.describe(session) for session in sessions],
                         [("Chrome on Linux", True, False), ("Chrome on Android", False, True)])
        self.assertEqual(sessions[0].find_element(By.CSS_SELECTOR, ".session-last-active").text, "now")
        end_others = laptop.driver.find_elements(By.CSS_SELECTOR, 'button[name="action"][value="end_others"]')
        self.assertEqual([button.text for button in end_others], ["Sign out all other sessions"])
        laptop.screenshot("account-sessions")

        # Sign the phone out with its own button.
        phone_id = sessions[1].get_attribute("id")
        sign_out = sessions[1].find_element(By.CSS_SELECTOR, 'button[name="action"][value="end"]')
        self.assertEqual(sign_out.text, "Sign out")
        laptop.click_and_wait_for_new_page(sign_out)
        self.assertEqual(laptop.driver.current_url, self.url(SESSIONS_PATH))
        self.assertEqual(self.flashes(laptop), ["That session has been signed out."])
        remaining = self.sessions(laptop)
        self.assertEqual([self.describe(session) for session in remaining], [("Chrome on Linux", True, False)])
        self.assertNotEqual(remaining[0].get_attribute("id"), phone_id)
        self.assertEqual(laptop.driver.find_elements(By.CSS_SELECTOR, 'button[value="end_others"]'), [])
        laptop.screenshot("session-signed-out")

        # The phone finds out on its next page: reloading the home page asks it to sign in.
        self.assertEqual(phone.driver.current_url, self.url("/index"))
        phone.driver.refresh()
        phone.wait_for_url(lambda url: urlsplit(url).path == "/login", "the signed-out phone not sent to sign in")
        self.assertEqual(phone.driver.current_url, self.url("/login?next=%2Findex"))
        phone.screenshot("phone-signed-out")
        # The laptop is still signed in.
        laptop.open(self.url("/index"))
        self.assertEqual(self.heading(laptop), "Hi, %s!" % name)

    def test_a_stale_confirmation_asks_for_the_password_again(self):
        name = registered_user(self)
        browser = open_browser(self)
        self.sign_in(browser, name)
        self.go_to_account(browser, name)
        make_confirmation_stale(name)

        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.CSS_SELECTOR, 'a[href="/account/sessions"]'))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/confirm", "not asked to confirm the password")
        self.assertEqual(browser.driver.current_url, self.url(CONFIRM_SESSIONS_URL_PATH))
        self.assertEqual(self.heading(browser), "Confirm Your Password")
        browser.screenshot("confirm")

        browser.fill("password", "wrong " + PASSWORD)
        self.submit(browser, "Confirm")
        self.assertEqual(browser.driver.current_url, self.url(CONFIRM_SESSIONS_URL_PATH))
        error = browser.driver.find_element(By.ID, "password-error")
        self.assertTrue(error.is_displayed())
        self.assertEqual(error.text, INCORRECT_PASSWORD)
        self.assertEqual(browser.driver.find_element(By.ID, "password").get_attribute("aria-invalid"), "true")
        browser.screenshot("confirm-wrong-password")

        browser.fill("password", PASSWORD)
        self.submit(browser, "Confirm")
        self.assertEqual(browser.driver.current_url, self.url(SESSIONS_PATH))
        self.assertEqual(self.heading(browser), "Where You Are Signed In")
        self.assertEqual([self.describe(session) for session in self.sessions(browser)],
                         [("Chrome on Linux", True, False)])
        browser.screenshot("account-sessions-confirmed")

    def test_changing_the_password_signs_out_the_other_browser_and_keeps_this_one(self):
        name = registered_user(self)
        changer = open_browser(self)
        other = open_browser(self)
        self.sign_in(changer, name)
        self.sign_in(other, name)

        self.go_to_account(changer, name)
        changer.click_and_wait_for_new_page(
            changer.driver.find_element(By.CSS_SELECTOR, 'a[href="/account/password"]'))
        self.assertEqual(changer.driver.current_url, self.url("/account/password"))
        self.assertEqual(self.heading(changer), "Change Password")

        # A wrong current password: told so at the field, nothing changes.
        changer.fill("current_password", "wrong " + PASSWORD)
        changer.fill("password", NEW_PASSWORD)
        changer.fill("password2", NEW_PASSWORD)
        self.submit(changer, "Change Password")
        self.assertEqual(changer.driver.current_url, self.url("/account/password"))
        error = changer.driver.find_element(By.ID, "current_password-error")
        self.assertTrue(error.is_displayed())
        self.assertEqual(error.text, INCORRECT_PASSWORD)
        self.assertEqual(changer.driver.find_element(By.ID, "current_password").get_attribute("aria-describedby"),
                         "current_password-error")
        changer.screenshot("account-password-error")

        # The right one, and the new password typed twice.
        changer.fill("current_password", PASSWORD)
        changer.fill("password", NEW_PASSWORD)
        changer.fill("password2", NEW_PASSWORD)
        self.submit(changer, "Change Password")
        self.assertEqual(changer.driver.current_url, self.url("/account"))
        self.assertEqual(self.heading(changer), "Your Account")
        self.assertEqual(self.flashes(changer), ["Your password has been changed."])
        changer.screenshot("account-password-changed")

        # The other browser is signed out; this one is not.
        self.assertSignedOut(other)
        changer.open(self.url("/index"))
        self.assertEqual(changer.driver.current_url, self.url("/index"))
        self.assertEqual(self.heading(changer), "Hi, %s!" % name)

        # Only the new password signs in.
        old = Visitor(stack.url)
        self.addCleanup(old.http.close)
        self.assertEqual(old.login(name, password=PASSWORD).headers.get("Location"), "/login")
        new = Visitor(stack.url)
        self.addCleanup(new.http.close)
        self.assertEqual(new.login(name, password=NEW_PASSWORD).headers.get("Location"), "/index")


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/python3
"""Password reset by email in a real browser (headless Chromium), the way a newcomer tries it on
`make run`: from the sign-in page's link, through the mail the file transport writes under
VAR_DIR/mail (and announces on the stack's output), to signing in with the new password. A
screenshot of each new page: the request form, the reset form, the page of a used link."""
import email
import email.policy
import glob
import os
import re
import sys
import time
import unittest
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import open_browser  # noqa: E402
from client import register_fresh_user  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from stack import Stack  # noqa: E402

# run-local's own mail settings (mail_transport = file): nothing overridden.
stack = Stack("e2e-password-reset")

OLD_PASSWORD = "correct horse battery"
NEW_PASSWORD = "a fresh passphrase for the reset"
CHECK_YOUR_EMAIL = "Check your email for the instructions to reset your password"
PASSWORD_RESET = "Your password has been reset."
INVALID_LINK = "This password reset link is invalid or has expired."
MAIL_SECONDS = 60  # the mailer polls the outbox; generous on a loaded machine


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def site_url():
    with open(os.path.join(stack.var_dir, "microblog.conf")) as f:
        return re.search(r"^site_url = (\S+)$", f.read(), re.M).group(1)


def origin(url):
    parts = urlsplit(url)
    return "%s://%s" % (parts.scheme, parts.netloc)


def wait_for_mail_file(address, subject):
    """(path, message) of the first mail in VAR_DIR/mail to `address` with `subject`."""
    deadline = time.monotonic() + MAIL_SECONDS
    while time.monotonic() < deadline:
        # Finished files only: the transport writes ".NAME.tmp" and renames it to NAME.
        for path in sorted(glob.glob(os.path.join(stack.var_dir, "mail", "*.eml"))):
            with open(path, "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            if address in message["To"] and message["Subject"] == subject:
                return path, message
        time.sleep(0.2)
    raise AssertionError("no mail %r to %s in %s within %ss" % (subject, address, stack.var_dir, MAIL_SECONDS))


class PasswordResetJourneyTest(unittest.TestCase):
    def url(self, path):
        return stack.url + path

    def heading(self, browser):
        return browser.driver.find_element(By.TAG_NAME, "h1").text

    def status_text(self, browser):
        regions = browser.driver.find_elements(By.CSS_SELECTOR, '[role="status"]')
        return "\n".join(region.text for region in regions)

    def submit(self, browser, value):
        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.CSS_SELECTOR, 'input[type="submit"][value="%s"]' % value))

    def sign_in(self, browser, name, password):
        browser.open(self.url("/login"))
        browser.fill("username", name)
        browser.fill("password", password)
        self.submit(browser, "Sign In")

    def test_from_the_sign_in_page_through_the_mail_file_to_signing_in(self):
        name = register_fresh_user(self, stack.url, OLD_PASSWORD, prefix="reset")
        address = name + "@example.com"
        browser = open_browser(self)
        driver = browser.driver

        # Forgot the password: the sign-in page's link leads to the request form.
        browser.open(self.url("/login"))
        self.assertIn("Forgot Your Password? Click to Reset It.", driver.find_element(By.TAG_NAME, "body").text)
        browser.click_and_wait_for_new_page(driver.find_element(By.LINK_TEXT, "Click to Reset It"))
        self.assertEqual(driver.current_url, self.url("/reset_password_request"))
        self.assertEqual(self.heading(browser), "Reset Password")
        browser.wait(lambda d: browser.active_element_id() == "email",
                     message="focus is on %r, not the email field" % browser.active_element_id())
        browser.screenshot("reset-password-request")

        browser.fill("email", address)
        self.submit(browser, "Request Password Reset")
        self.assertEqual(driver.current_url, self.url("/login"))
        self.assertEqual(self.heading(browser), "Sign In")
        self.assertEqual(self.status_text(browser), CHECK_YOUR_EMAIL)
        browser.screenshot("reset-password-requested")

        # The mail, as the file transport wrote it, and as make run's output announces it.
        path, message = wait_for_mail_file(address, "[Microblog] Reset Your Password")
        self.assertEqual(message.get_content_type(), "text/plain")
        text = message.get_content()
        self.assertIn("Dear %s," % name, text)
        links = re.findall(r"\S+/reset_password/[A-Za-z0-9_-]{43}", text)
        self.assertEqual(len(links), 1, text)
        link = links[0]
        self.assertEqual(origin(link), site_url())
        # site_url of run-local is the stack's own loopback address: the browser opens only that.
        self.assertEqual(origin(link), stack.url)
        # The stack's output after its ready line, as make run's terminal shows it.
        printed = stack.wait_output("^%s$" % re.escape("mail to %s written to %s" % (address, path)),
                                    timeout=MAIL_SECONDS)
        self.assertEqual(printed[1:2], ["  link: " + link], printed)

        # The link shows the form and changes nothing yet.
        browser.open(link)
        self.assertEqual(driver.current_url, link)
        self.assertEqual(self.heading(browser), "Reset Your Password")
        self.assertEqual(driver.find_element(By.ID, "password").get_attribute("autocomplete"), "new-password")
        browser.screenshot("reset-password")

        browser.fill("password", NEW_PASSWORD)
        browser.fill("password2", NEW_PASSWORD)
        self.submit(browser, "Reset Password")
        self.assertEqual(driver.current_url, self.url("/login"), driver.find_element(By.TAG_NAME, "body").text)
        self.assertEqual(self.status_text(browser), PASSWORD_RESET)
        # The reset does not sign in.
        self.assertNotIn("session", browser.cookies())
        browser.screenshot("reset-password-done")

        # The old password no longer works; the new one reaches the home page.
        self.sign_in(browser, name, OLD_PASSWORD)
        self.assertEqual(urlsplit(driver.current_url).path, "/login")
        self.assertIn("Invalid username or password", self.status_text(browser))
        self.sign_in(browser, name, NEW_PASSWORD)
        self.assertEqual(driver.current_url, self.url("/index"))
        self.assertEqual(self.heading(browser), "Hi, %s!" % name)
        browser.screenshot("home")

        # The user is told of the change, by a mail without a link to reset.
        _, notice = wait_for_mail_file(address, "[Microblog] Your password was changed")
        self.assertNotIn("/reset_password/", notice.get_content())

        # The link was used: in another browser (a scanner, or the user again) it shows the
        # invalid-link page, with a way to ask again, and a client error status.
        other = open_browser(self)
        other.open(link)
        self.assertEqual(self.heading(other), "Reset Your Password")
        self.assertIn(INVALID_LINK, other.driver.find_element(By.TAG_NAME, "body").text)
        self.assertEqual(other.driver.find_elements(By.ID, "password"), [])
        other.screenshot("reset-password-invalid")
        status = other.driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].responseStatus")
        self.assertEqual(status, 404)
        other.click_and_wait_for_new_page(other.driver.find_element(By.LINK_TEXT, "Ask for a new link"))
        self.assertEqual(other.driver.current_url, self.url("/reset_password_request"))

    def test_a_malformed_link_shows_the_invalid_link_page(self):
        browser = open_browser(self)
        browser.open(self.url("/reset_password/not-a-token"))
        self.assertEqual(self.heading(browser), "Reset Your Password")
        self.assertIn(INVALID_LINK, browser.driver.find_element(By.TAG_NAME, "body").text)
        browser.screenshot("reset-password-invalid")
        status = browser.driver.execute_script(
            "return performance.getEntriesByType('navigation')[0].responseStatus")
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)


if __name__ == "__main__":
    unittest.main(verbosity=2)

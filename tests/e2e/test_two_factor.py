#!/usr/bin/python3
"""Two-factor sign-in in a real browser (headless Chromium): setting it up from the account page
(QR code, key, a wrong and a right code, the recovery codes shown once), then signing in with it in
fresh browsers: the password alone leads to the code page and no further (the home page still asks
to sign in), a wrong code is refused, a code from the app completes the sign-in, and so does a
recovery code. Codes are computed from the key the page shows by an independent TOTP
(tests/support/totp.py), as an authenticator app would."""
import os
import sys
import unittest
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import open_browser  # noqa: E402
from client import register_fresh_user  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from stack import Stack  # noqa: E402
import totp  # noqa: E402

stack = Stack("e2e-two-factor")

PASSWORD = "correct horse battery"
INVALID_CODE = "Invalid code."
SETUP_PATH = "/account/two-factor"
LOGIN_TWO_FACTOR_PATH = "/login/two-factor"


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def registered_user(testcase):
    return register_fresh_user(testcase, stack.url, PASSWORD, "tfa")


def wrong_code(secret):
    """Six digits that are none of the codes the server could accept around now."""
    step = totp.current_step()
    near = {totp.code(secret, step + drift) for drift in range(-3, 4)}
    return next(code for code in ("000000", "123456", "999999", "314159") if code not in near)


class TwoFactorTest(unittest.TestCase):
    # --- helpers ---

    def url(self, path):
        return stack.url + path

    def heading(self, browser):
        return browser.driver.find_element(By.TAG_NAME, "h1").text

    def path_of(self, browser):
        parts = urlsplit(browser.driver.current_url)
        return parts.path + ("?" + parts.query if parts.query else "")

    def submit(self, browser, value):
        browser.click_and_wait_for_new_page(browser.driver.find_element(
            By.CSS_SELECTOR, 'input[type="submit"][value="%s"]' % value))

    def press(self, browser, action):
        """Clicks the two-factor page's button[name=action][value=action]."""
        button = browser.driver.find_element(By.CSS_SELECTOR, 'button[name="action"][value="%s"]' % action)
        self.assertTrue(button.is_displayed())
        browser.click_and_wait_for_new_page(button)
        return button

    def enter_password(self, browser, name):
        """The login form with username and password; for a two-factor account this ends on the
        code page."""
        browser.open(self.url("/login"))
        self.assertEqual(self.heading(browser), "Sign In")
        browser.fill("username", name)
        browser.fill("password", PASSWORD)
        self.submit(browser, "Sign In")

    def assertOnCodePage(self, browser, path=LOGIN_TWO_FACTOR_PATH):
        browser.wait_for_url(lambda url: urlsplit(url).path == LOGIN_TWO_FACTOR_PATH,
                             "not sent on to the code page")
        self.assertEqual(self.path_of(browser), path)
        self.assertEqual(self.heading(browser), "Two-Factor Sign In")
        # The code field has the focus, ready for typing.
        browser.wait(lambda d: browser.active_element_id() == "code",
                     message="the code field has no focus (focus on %r)" % browser.active_element_id())

    def assertCodeError(self, browser):
        error = browser.driver.find_element(By.ID, "code-error")
        self.assertTrue(error.is_displayed())
        self.assertEqual(error.text, INVALID_CODE)
        field = browser.driver.find_element(By.ID, "code")
        self.assertEqual(field.get_attribute("aria-invalid"), "true")
        self.assertEqual(field.get_attribute("aria-describedby"), "code-error")

    def assertSignedInHome(self, browser, name):
        self.assertEqual(browser.driver.current_url, self.url("/index"))
        self.assertEqual(self.heading(browser), "Hi, %s!" % name)

    def open_two_factor_page(self, browser):
        """From a signed-in page: the navigation's Account link, then the account page's link."""
        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.XPATH, "//nav//a[normalize-space()='Account']"))
        self.assertEqual(browser.driver.current_url, self.url("/account"))
        self.assertEqual(self.heading(browser), "Your Account")
        browser.click_and_wait_for_new_page(browser.driver.find_element(By.LINK_TEXT, "Two-factor sign-in"))
        # A fresh sign-in counts as a recent password confirmation: no detour through /confirm.
        self.assertEqual(browser.driver.current_url, self.url(SETUP_PATH))
        self.assertEqual(self.heading(browser), "Two-Factor Settings")

    # --- the test ---

    def test_setting_up_two_factor_then_signing_in_with_a_code_and_with_a_recovery_code(self):
        name = registered_user(self)

        # 1. Setting it up, from a fresh sign-in.
        owner = open_browser(self)
        self.enter_password(owner, name)
        self.assertSignedInHome(owner, name)  # no two-factor yet: the password is enough
        self.open_two_factor_page(owner)
        self.assertIn("Two-factor sign-in is off.", owner.driver.find_element(By.TAG_NAME, "body").text)
        self.assertEqual(owner.driver.find_elements(By.CSS_SELECTOR, "svg.qr-code"), [])
        setup = owner.driver.find_element(By.CSS_SELECTOR, 'button[name="action"][value="setup"]')
        self.assertEqual(setup.text, "Set up two-factor sign-in")
        self.press(owner, "setup")
        self.assertEqual(owner.driver.current_url, self.url(SETUP_PATH))
        qr = owner.driver.find_element(By.CSS_SELECTOR, "svg.qr-code")
        self.assertTrue(qr.is_displayed())
        self.assertEqual((qr.size["width"], qr.size["height"]), (200, 200))
        self.assertEqual(qr.get_attribute("aria-label"), "QR code for your authenticator app")
        secret_element = owner.driver.find_element(By.ID, "totp-secret")
        self.assertTrue(secret_element.is_displayed())
        secret = secret_element.text
        self.assertRegex(secret, r"^[A-Z2-7]{32}$")  # 160 bits in base32
        self.assertEqual(owner.driver.find_element(
            By.CSS_SELECTOR, 'button[name="action"][value="enable"]').text, "Enable")
        owner.wait(lambda d: owner.active_element_id() == "code", message="the code field has no focus")
        owner.screenshot("two-factor-setup")

        # A wrong code: told so at the field; the same key stays, to try again.
        owner.fill("code", wrong_code(secret))
        self.press(owner, "enable")
        self.assertEqual(owner.driver.current_url, self.url(SETUP_PATH))
        self.assertCodeError(owner)
        self.assertEqual(owner.driver.find_element(By.ID, "totp-secret").text, secret)
        self.assertEqual(owner.driver.find_elements(By.ID, "recovery-codes"), [])

        # The right code: on, and the recovery codes shown once.
        enable_step = totp.steady_step()
        owner.fill("code", totp.code(secret, enable_step))
        self.press(owner, "enable")
        self.assertEqual(owner.driver.current_url, self.url(SETUP_PATH))
        code_list = owner.driver.find_element(By.ID, "recovery-codes")
        self.assertTrue(code_list.is_displayed())
        codes = [item.text for item in code_list.find_elements(By.CSS_SELECTOR, "li > code")]
        self.assertEqual(len(codes), 10, code_list.text)
        self.assertEqual(len(set(codes)), 10)
        for code in codes:
            self.assertRegex(code, r"^[a-z2-9]{5}-[a-z2-9]{5}$")
        download = owner.driver.find_element(By.ID, "download-recovery-codes")
        self.assertTrue(download.is_displayed())
        self.assertEqual(download.text, "Download the codes as a text file")
        page_text = owner.driver.find_element(By.TAG_NAME, "body").text
        self.assertIn("Two-factor sign-in is on. You have 10 unused recovery codes.", page_text)
        self.assertEqual(owner.driver.find_elements(By.CSS_SELECTOR, "svg.qr-code"), [])
        self.assertEqual(owner.driver.find_elements(By.ID, "code-error"), [])
        owner.screenshot("two-factor-recovery-codes")
        owner.close()  # done with it (the cleanup's second close does nothing): less load

        # 2. Signing in with a code from the app, in a fresh browser.
        browser = open_browser(self)
        self.enter_password(browser, name)
        self.assertOnCodePage(browser)
        self.assertIn("Enter the 6-digit code your authenticator app shows for Microblog.",
                      browser.driver.find_element(By.TAG_NAME, "body").text)
        self.assertEqual(browser.driver.find_element(By.CSS_SELECTOR, 'label[for="code"]').text, "Code")
        recovery_link = browser.driver.find_element(By.LINK_TEXT, "Use a recovery code")
        self.assertEqual(urlsplit(recovery_link.get_attribute("href")).path, LOGIN_TWO_FACTOR_PATH)
        self.assertEqual(urlsplit(recovery_link.get_attribute("href")).query, "recovery=1")
        self.assertNotIn("session", browser.cookies())
        browser.screenshot("login-two-factor")

        browser.fill("code", wrong_code(secret))
        self.submit(browser, "Verify")
        self.assertEqual(browser.driver.current_url, self.url(LOGIN_TWO_FACTOR_PATH))
        self.assertEqual(self.heading(browser), "Two-Factor Sign In")
        self.assertCodeError(browser)

        # The password alone is no sign-in: the home page still asks to sign in.
        browser.open(self.url("/index"))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login",
                             "the home page let a half-signed-in browser in")
        self.assertEqual(browser.driver.current_url, self.url("/login?next=%2Findex"))
        self.assertEqual(self.heading(browser), "Sign In")

        # The pending sign-in is still there; the right code completes it. The enabling code used
        # enable_step, which is accepted only once: one step ahead (within the allowed drift) if
        # the clock has not moved on since.
        browser.open(self.url(LOGIN_TWO_FACTOR_PATH))
        self.assertOnCodePage(browser)
        browser.fill("code", totp.code(secret, max(enable_step + 1, totp.steady_step())))
        self.submit(browser, "Verify")
        self.assertSignedInHome(browser, name)
        self.assertIn("session", browser.cookies())
        self.assertNotIn("pending_sign_in", browser.cookies())
        browser.close()

        # 3. Signing in with a recovery code, in another fresh browser.
        browser = open_browser(self)
        self.enter_password(browser, name)
        self.assertOnCodePage(browser)
        browser.click_and_wait_for_new_page(browser.driver.find_element(By.LINK_TEXT, "Use a recovery code"))
        self.assertOnCodePage(browser, LOGIN_TWO_FACTOR_PATH + "?recovery=1")
        self.assertEqual(browser.driver.find_element(By.CSS_SELECTOR, 'label[for="code"]').text, "Recovery code")
        browser.fill("code", codes[0])
        self.submit(browser, "Verify")
        self.assertSignedInHome(browser, name)

        # The code is used up: nine left.
        self.open_two_factor_page(browser)
        self.assertIn("Two-factor sign-in is on. You have 9 unused recovery codes.",
                      browser.driver.find_element(By.TAG_NAME, "body").text)


if __name__ == "__main__":
    unittest.main(verbosity=2)

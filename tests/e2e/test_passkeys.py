#!/usr/bin/python3
"""Passkeys in a real browser (headless Chromium) with Chromium's virtual authenticator, driven
through WebDriver: adding a passkey on the account's passkeys page after a password sign-in,
signing in with it from the login page, removing it (after which the authenticator still offers
the credential, and the server refuses it), and a second user's passkey, which signs in as that
user only: also when its credential claims the first user's user handle.

WebAuthn refuses IP addresses, and the stack's relying party is `localhost` with the origin
http://localhost:<port>, so every page the browsers open is on localhost, never 127.0.0.1."""
import base64
import os
import re
import sys
import unittest
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import is_stale, open_browser  # noqa: E402
from client import register_fresh_user  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.virtual_authenticator import (  # noqa: E402
    Credential, Protocol, Transport, VirtualAuthenticatorOptions)
from stack import Stack  # noqa: E402

stack = Stack("e2e-passkeys")

PASSWORD = "correct horse battery"
PASSKEYS_PATH = "/account/passkeys"
RP_ID = "localhost"
NOT_ACCEPTED = "That passkey could not sign you in. Please try again, or sign in with your password."
ADDED = "Your passkey has been added."
REMOVED = "The passkey has been removed."


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def site_url(path):
    """The page on localhost: the origin WebAuthn accepts (the stack listens on 127.0.0.1)."""
    return stack.url.replace("127.0.0.1", "localhost") + path


def registered_user(testcase, prefix):
    return register_fresh_user(testcase, stack.url, PASSWORD, prefix)


def passkey_log():
    """The passkey sign-in route's log: its refusals name the reason, which the page does not."""
    path = os.path.join(stack.var_dir, "log", "login_passkey.log")
    if not os.path.exists(path):
        return ""
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def unpadded(data):
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


class PasskeysTest(unittest.TestCase):
    # --- helpers ---

    def heading(self, browser):
        return browser.driver.find_element(By.TAG_NAME, "h1").text

    def path_of(self, browser):
        parts = urlsplit(browser.driver.current_url)
        return parts.path + ("?" + parts.query if parts.query else "")

    def flashes(self, browser):
        return [item.text for item in browser.driver.find_elements(By.CSS_SELECTOR, "ul.flashes li")]

    def console(self, browser):
        """The browser's console messages, for failure reports (a script error shows here)."""
        try:
            return "\n".join("%s %s" % (entry.get("level"), entry.get("message"))
                             for entry in browser.driver.get_log("browser")) or "(empty)"
        except Exception as error:  # the log is a diagnosis only
            return "(no console log: %s)" % error

    def wait_or_report(self, browser, condition, message):
        """browser.wait, failing with the URL, the page's passkey error and the console log."""
        try:
            return browser.wait(condition, message=message)
        except TimeoutException:
            errors = [e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, ".passkey-error")]
            self.fail("%s\nURL: %s\npasskey errors: %r\nconsole:\n%s" % (
                message, browser.driver.current_url, errors, self.console(browser)))

    def browser_with_authenticator(self):
        """A browser on the login page with a fresh virtual authenticator: a platform authenticator
        (this device's screen lock) that keeps discoverable credentials and verifies the user."""
        browser = open_browser(self)
        browser.open(site_url("/login"))  # the authenticator attaches to a loaded page
        browser.driver.add_virtual_authenticator(VirtualAuthenticatorOptions(
            protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True,
            has_user_verification=True, is_user_consenting=True, is_user_verified=True))
        self.assertEqual(browser.driver.get_credentials(), [])
        return browser

    def sign_in_with_password(self, browser, name):
        browser.open(site_url("/login"))
        self.assertEqual(self.heading(browser), "Sign In")
        browser.fill("username", name)
        browser.fill("password", PASSWORD)
        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.CSS_SELECTOR, 'input[type="submit"][value="Sign In"]'))
        self.assertSignedInHome(browser, name)

    def assertSignedInHome(self, browser, name):
        self.assertEqual(browser.driver.current_url, site_url("/index"))
        self.assertEqual(self.heading(browser), "Hi, %s!" % name)
        self.assertIn("session", browser.cookies())

    def sign_out(self, browser):
        """The navigation's Logout button; a signed-out visitor is sent to sign in."""
        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.XPATH, "//nav//button[normalize-space()='Logout']"))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "not signed out to the login page")
        self.assertNotIn("session", browser.cookies())

    def assertSignedOut(self, browser):
        """The browser's next visit to the home page is sent to sign in."""
        self.assertNotIn("session", browser.cookies())
        browser.open(site_url("/index"))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "a signed-out browser was let in")
        self.assertEqual(self.path_of(browser), "/login?next=%2Findex")
        self.assertEqual(self.heading(browser), "Sign In")

    def open_passkeys_page(self, browser):
        """From a signed-in page: the navigation's Account link, then the account page's link. A
        fresh sign-in counts as a recent password confirmation: no detour through /confirm."""
        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.XPATH, "//nav//a[normalize-space()='Account']"))
        self.assertEqual(browser.driver.current_url, site_url("/account"))
        browser.click_and_wait_for_new_page(browser.driver.find_element(By.LINK_TEXT, "Passkeys"))
        self.assertEqual(browser.driver.current_url, site_url(PASSKEYS_PATH))
        self.assertEqual(self.heading(browser), "Passkeys")

    def passkeys(self, browser):
        """(id attribute, name, last used) of each listed passkey, in page order."""
        return [(item.get_attribute("id"), item.find_element(By.CSS_SELECTOR, ".passkey-name strong").text,
                 item.find_element(By.CSS_SELECTOR, ".passkey-last-used").text)
                for item in browser.driver.find_elements(By.CSS_SELECTOR, "ul.passkeys > li.passkey")]

    def add_passkey(self, browser, passkey_name):
        """On the passkeys page: types a name and clicks "Add a passkey"; ends on the reloaded page."""
        form = browser.driver.find_element(By.ID, "passkey-add")
        self.wait_or_report(browser, lambda d: form.is_displayed(), "the script did not show the add form")
        browser.fill("passkey-name", passkey_name)
        button = form.find_element(By.CSS_SELECTOR, 'button[type="submit"]')
        self.assertEqual(button.text, "Add a passkey")
        old_page = browser.driver.find_element(By.TAG_NAME, "html")
        button.click()
        self.wait_or_report(browser, lambda d: is_stale(old_page), "no reload after adding a passkey")
        browser.wait_for_page()
        self.assertEqual(browser.driver.current_url, site_url(PASSKEYS_PATH))
        self.assertEqual(self.flashes(browser), [ADDED], self.console(browser))

    def sign_in_with_passkey_button(self, browser):
        """The login page's passkey form, shown once the script has found WebAuthn."""
        form = browser.driver.find_element(By.ID, "passkey-sign-in")
        self.wait_or_report(browser, lambda d: form.is_displayed(), "the passkey sign-in form stayed hidden")
        button = form.find_element(By.CSS_SELECTOR, 'button[type="submit"]')
        self.assertEqual(button.text, "Sign in with a passkey")
        self.assertEqual(form.find_element(By.CSS_SELECTOR, ".passkey-error").is_displayed(), False)
        return button

    def sign_in_with_passkey(self, browser):
        """Clicks "Sign in with a passkey" and waits for the page it leads to."""
        button = self.sign_in_with_passkey_button(browser)
        old_page = browser.driver.find_element(By.TAG_NAME, "html")
        button.click()
        self.wait_or_report(browser, lambda d: is_stale(old_page), "passkey sign-in led nowhere")
        browser.wait_for_page()

    def passkey_sign_in_is_refused(self, browser):
        """Clicks "Sign in with a passkey"; the form says it did not work and the page stays."""
        button = self.sign_in_with_passkey_button(browser)
        url = browser.driver.current_url
        button.click()
        error = browser.driver.find_element(By.CSS_SELECTOR, "#passkey-sign-in .passkey-error")
        self.wait_or_report(browser, lambda d: error.is_displayed() and error.text,
                            "no error shown for a refused passkey")
        self.assertEqual(error.text, NOT_ACCEPTED, self.console(browser))
        self.assertEqual(error.get_attribute("role"), "alert")
        self.assertEqual(browser.driver.current_url, url)
        self.assertEqual(self.heading(browser), "Sign In")
        self.assertNotIn("session", browser.cookies())

    def only_credential(self, browser):
        credentials = browser.driver.get_credentials()
        self.assertEqual(len(credentials), 1, [str(c) for c in credentials])
        credential = credentials[0]
        self.assertTrue(credential.is_resident_credential)
        self.assertEqual(credential.rp_id, RP_ID)
        return credential

    # --- the test ---

    def test_at_another_address_of_the_site_the_login_page_points_to_the_passkeys_origin(self):
        browser = open_browser(self)
        browser.open(stack.url + "/login")  # 127.0.0.1: an IP address, where passkeys cannot work
        note = browser.driver.find_element(By.CSS_SELECTOR, ".passkey-elsewhere")
        browser.wait(lambda d: note.is_displayed(), message="no note pointing to the passkeys' origin")
        self.assertFalse(browser.driver.find_element(By.ID, "passkey-sign-in").is_displayed())
        link = note.find_element(By.TAG_NAME, "a")
        self.assertEqual(link.get_attribute("href"), site_url("/login"))
        browser.open(site_url("/login"))
        button = browser.driver.find_element(By.ID, "passkey-sign-in")
        browser.wait(lambda d: button.is_displayed(), message="no passkey button on the site's origin")
        self.assertFalse(browser.driver.find_element(By.CSS_SELECTOR, ".passkey-elsewhere").is_displayed())

    def test_adding_a_passkey_signing_in_with_it_removing_it_and_another_users_passkey(self):
        name_a = registered_user(self, "pka")
        name_b = registered_user(self, "pkb")

        # 1. User A adds a passkey, from a fresh password sign-in.
        browser = self.browser_with_authenticator()
        self.sign_in_with_password(browser, name_a)
        self.open_passkeys_page(browser)
        self.assertEqual(browser.driver.find_element(By.ID, "no-passkeys").text, "You have no passkeys yet.")
        self.assertEqual(self.passkeys(browser), [])
        self.add_passkey(browser, "Work laptop")
        listed = self.passkeys(browser)
        self.assertEqual(len(listed), 1, listed)
        passkey_id, passkey_name, last_used = listed[0]
        self.assertRegex(passkey_id, r"^passkey-\d+$")
        self.assertEqual((passkey_name, last_used), ("Work laptop", "never"))
        item = browser.driver.find_element(By.ID, passkey_id)
        self.assertIn("Last used", item.text)
        self.assertEqual(item.find_element(By.CSS_SELECTOR, 'button[name="action"][value="remove"]').text,
                         "Remove")
        self.assertEqual(browser.driver.find_elements(By.ID, "no-passkeys"), [])
        browser.screenshot("passkeys")
        # The authenticator holds it, for this site, naming A by the user handle the server gave.
        credential_a = self.only_credential(browser)
        user_handle_a = unpadded(credential_a.user_handle)
        self.assertRegex(user_handle_a.decode(), r"^\d+$")

        # 2. Signed out, A signs in with the passkey alone.
        self.sign_out(browser)
        browser.open(site_url("/login"))
        self.sign_in_with_passkey_button(browser)
        browser.screenshot("login-passkey")
        self.sign_in_with_passkey(browser)
        self.assertSignedInHome(browser, name_a)

        # 3. A removes the passkey; the credential left in the authenticator no longer signs in.
        self.open_passkeys_page(browser)
        [(listed_id, listed_name, last_used)] = self.passkeys(browser)
        self.assertEqual((listed_id, listed_name), (passkey_id, "Work laptop"))
        self.assertRegex(last_used, r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")  # the sign-in just now
        browser.click_and_wait_for_new_page(browser.driver.find_element(
            By.CSS_SELECTOR, '#%s button[name="action"][value="remove"]' % passkey_id))
        self.assertEqual(browser.driver.current_url, site_url(PASSKEYS_PATH))
        self.assertEqual(self.flashes(browser), [REMOVED])
        self.assertEqual(self.passkeys(browser), [])
        self.assertEqual(browser.driver.find_element(By.ID, "no-passkeys").text, "You have no passkeys yet.")
        self.sign_out(browser)
        self.assertEqual(self.only_credential(browser).id, credential_a.id)  # still offered
        browser.open(site_url("/login"))
        self.passkey_sign_in_is_refused(browser)
        self.assertIn("login passkey refused (unknown credential)", passkey_log())
        self.assertSignedOut(browser)
        browser.close()  # done with it (the cleanup's second close does nothing): less load

        # 4. User B adds a passkey in another browser with its own authenticator: it signs in as B.
        browser = self.browser_with_authenticator()
        self.sign_in_with_password(browser, name_b)
        self.open_passkeys_page(browser)
        self.add_passkey(browser, "Pocket phone")
        self.assertEqual([listed[1:] for listed in self.passkeys(browser)], [("Pocket phone", "never")])
        credential_b = self.only_credential(browser)
        self.assertNotEqual(credential_b.id, credential_a.id)
        self.assertNotEqual(unpadded(credential_b.user_handle), user_handle_a)
        self.sign_out(browser)
        browser.open(site_url("/login"))
        self.sign_in_with_passkey(browser)
        self.assertSignedInHome(browser, name_b)  # B, never A

        # B's credential (its key, the authenticator's counter) relabelled with A's user handle:
        # the server believes the stored owner of the credential, not the handle, so nobody signs in.
        self.sign_out(browser)
        used_b = self.only_credential(browser)
        browser.driver.remove_all_credentials()
        browser.driver.add_credential(Credential.create_resident_credential(
            unpadded(used_b.id), RP_ID, user_handle_a, unpadded(used_b.private_key), used_b.sign_count))
        forged = self.only_credential(browser)
        self.assertEqual((forged.id, unpadded(forged.user_handle)), (used_b.id, user_handle_a))
        browser.open(site_url("/login"))
        self.passkey_sign_in_is_refused(browser)
        self.assertRegex(passkey_log(), r'login passkey refused \(user handle of another user\) user="%s"'
                         % re.escape(name_b))
        self.assertSignedOut(browser)
        # Each user signed in with a passkey exactly once: A in step 2, B with B's own credential.
        log = passkey_log()
        self.assertEqual([log.count('login ok user="%s"' % name) for name in (name_a, name_b)], [1, 1], log)


if __name__ == "__main__":
    unittest.main(verbosity=2)

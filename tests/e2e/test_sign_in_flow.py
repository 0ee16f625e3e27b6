#!/usr/bin/python3
"""Signing up, in and out in a real browser (headless Chromium), as a person does it: the
redirects, flashes and field errors they see, Remember Me across a browser restart, the way back
to the page they asked for, and forms that work with a keyboard, a screen reader and a phone."""
import os
import sys
import unittest
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import open_browser  # noqa: E402
from client import register_fresh_user, unique_name  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("e2e-sign-in-flow")

PASSWORD = "correct horse battery"
LOGIN_REQUIRED = "Please log in to access this page."
REGISTERED = "Congratulations, you are now a registered user!"
# A demo account (deploy/seed-demo.sh): its name is always taken.
TAKEN_USERNAME = "susan"


def submit_register_form_with_two_mistakes(browser, register_url):
    """A taken username and passwords that differ: each passes the browser's own checks
    (required, type=email) but not the server's."""
    browser.open(register_url)
    browser.fill("username", TAKEN_USERNAME)
    browser.fill("email", "%s@example.com" % unique_name())
    browser.fill("password", PASSWORD)
    browser.fill("password2", "another " + PASSWORD)
    browser.click_and_wait_for_new_page(browser.driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]'))


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def registered_user(testcase):
    return register_fresh_user(testcase, stack.url, PASSWORD)


class BrowserTestCase(unittest.TestCase):
    def url(self, path):
        return stack.url + path

    def heading(self, browser):
        return browser.driver.find_element(By.TAG_NAME, "h1").text

    def status_text(self, browser):
        """The text of the flash messages (the live region screen readers announce)."""
        regions = browser.driver.find_elements(By.CSS_SELECTOR, '[role="status"]')
        return "\n".join(region.text for region in regions)

    def nav_logout_button(self, browser):
        buttons = browser.driver.find_elements(By.XPATH, "//nav//button[normalize-space()='Logout']")
        return buttons[0] if buttons else None

    def nav_login_link(self, browser):
        links = browser.driver.find_elements(By.XPATH, "//nav//a[normalize-space()='Login']")
        return links[0] if links else None

    def assertVisitor(self, browser):
        """The page shows a signed-out visitor: Login in the navigation, no Logout, no session."""
        self.assertIsNotNone(self.nav_login_link(browser), "no Login link in the navigation")
        self.assertIsNone(self.nav_logout_button(browser), "a Logout button for a visitor")
        self.assertNotIn("session", browser.cookies())

    def sign_in(self, browser, name, remember_me):
        """On the login page: types the credentials, ticks Remember Me by its label, submits."""
        self.assertEqual(self.heading(browser), "Sign In")
        browser.fill("username", name)
        browser.fill("password", PASSWORD)
        checkbox = browser.driver.find_element(By.ID, "remember_me")
        self.assertFalse(checkbox.is_selected())
        if remember_me:
            # Clicking the words, as people do; this works only if the label is tied to the box.
            browser.driver.find_element(By.CSS_SELECTOR, 'label[for="remember_me"]').click()
            self.assertTrue(checkbox.is_selected())
        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.CSS_SELECTOR, 'input[type="submit"][value="Sign In"]'))

    def assertSignedInHome(self, browser, name):
        self.assertEqual(browser.driver.current_url, self.url("/index"))
        self.assertEqual(self.heading(browser), "Hi, %s!" % name)
        self.assertIsNotNone(self.nav_logout_button(browser), "no Logout button when signed in")
        self.assertIsNone(self.nav_login_link(browser), "a Login link when signed in")

    def field_error(self, browser, field_id):
        """The error text tied to a field, checking how it is tied: aria-invalid, and
        aria-describedby naming the error element, which sits right after the field."""
        driver = browser.driver
        field = driver.find_element(By.ID, field_id)
        self.assertEqual(field.get_attribute("aria-invalid"), "true", field_id)
        described_by = field.get_attribute("aria-describedby")
        self.assertTrue(described_by, "%s has no aria-describedby" % field_id)
        errors = driver.find_elements(By.ID, described_by)
        self.assertEqual(len(errors), 1, "aria-describedby of %s names %r, which is not one element"
                         % (field_id, described_by))
        error = errors[0]
        self.assertTrue(error.is_displayed())
        self.assertTrue(driver.execute_script("return arguments[0].nextElementSibling === arguments[1]",
                                              field, error), "the error of %s is not next to it" % field_id)
        # The brackets around messages are decoration, not part of what the test is about.
        return error.text.strip()

    def assertNoFieldError(self, browser, field_id):
        field = browser.driver.find_element(By.ID, field_id)
        self.assertIsNone(field.get_attribute("aria-invalid"), field_id)
        self.assertIsNone(field.get_attribute("aria-describedby"), field_id)


class SignInFlowTest(BrowserTestCase):
    def test_register_sign_in_remembered_across_a_restart_and_sign_out(self):
        browser = open_browser(self)
        driver = browser.driver

        # The site's root needs sign-in: the browser is sent to the login page, told why.
        browser.open(self.url("/"))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "not sent to the login page")
        self.assertEqual(driver.current_url, self.url("/login?next=%2F"))
        self.assertIn(LOGIN_REQUIRED, self.status_text(browser))
        self.assertVisitor(browser)
        browser.screenshot("login-required")

        # New here: follow the link to register.
        browser.click_and_wait_for_new_page(driver.find_element(By.LINK_TEXT, "Click to Register!"))
        self.assertEqual(driver.current_url, self.url("/register"))
        self.assertEqual(self.heading(browser), "Register")
        browser.screenshot("register")

        # Mistakes the browser cannot catch: a name someone has, passwords that differ.
        name = unique_name()
        email = "%s@example.com" % name
        browser.fill("username", TAKEN_USERNAME)
        browser.fill("email", email)
        browser.fill("password", PASSWORD)
        browser.fill("password2", PASSWORD + "!")
        browser.click_and_wait_for_new_page(driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]'))
        self.assertEqual(driver.current_url, self.url("/register"))
        self.assertEqual(self.field_error(browser, "username"), "Please use a different username.")
        self.assertEqual(self.field_error(browser, "password2"), "Field must be equal to password.")
        self.assertNoFieldError(browser, "email")
        self.assertNoFieldError(browser, "password")
        # What was typed is kept, except passwords, which are never sent back.
        self.assertEqual(driver.find_element(By.ID, "username").get_attribute("value"), TAKEN_USERNAME)
        self.assertEqual(driver.find_element(By.ID, "email").get_attribute("value"), email)
        self.assertEqual(driver.find_element(By.ID, "password").get_attribute("value"), "")
        self.assertEqual(driver.find_element(By.ID, "password2").get_attribute("value"), "")
        browser.screenshot("register-errors")

        # Fixed: a name of one's own, the same password twice.
        browser.fill("username", name)
        browser.fill("password", PASSWORD)
        browser.fill("password2", PASSWORD)
        browser.click_and_wait_for_new_page(driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]'))
        self.assertEqual(driver.current_url, self.url("/login"))
        self.assertIn(REGISTERED, self.status_text(browser))
        browser.screenshot("registered")

        # Sign in, asking to be remembered.
        self.sign_in(browser, name, remember_me=True)
        self.assertSignedInHome(browser, name)
        self.assertIn("expiry", browser.cookies()["session"], "Remember Me gave a session cookie")
        browser.screenshot("home")

        # Close the browser and open it again: still signed in.
        browser.restart()
        driver = browser.driver  # the new Chromium's
        browser.open(self.url("/index"))
        self.assertSignedInHome(browser, name)
        browser.screenshot("home-after-restart")

        # Sign out with the navigation's button: a visitor on the login page.
        browser.click_and_wait_for_new_page(self.nav_logout_button(browser))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "not on the login page after Logout")
        self.assertEqual(self.heading(browser), "Sign In")
        self.assertVisitor(browser)
        browser.screenshot("signed-out")
        # Signed out for the server too, not only in this page.
        browser.open(self.url("/index"))
        self.assertEqual(driver.current_url, self.url("/login?next=%2Findex"))

    def test_without_remember_me_a_browser_restart_signs_out(self):
        name = registered_user(self)
        browser = open_browser(self)
        browser.open(self.url("/login"))
        browser.screenshot("login")
        self.sign_in(browser, name, remember_me=False)
        self.assertSignedInHome(browser, name)
        # A cookie for this browser session only: no expiry.
        self.assertNotIn("expiry", browser.cookies()["session"])
        browser.screenshot("home")

        browser.restart()
        browser.open(self.url("/index"))
        self.assertEqual(browser.driver.current_url, self.url("/login?next=%2Findex"))
        self.assertIn(LOGIN_REQUIRED, self.status_text(browser))
        self.assertVisitor(browser)
        browser.screenshot("login-after-restart")

    def test_after_signing_in_the_browser_returns_to_the_page_asked_for(self):
        name = registered_user(self)
        browser = open_browser(self)
        wanted = "/index?tab=posts&page=2"
        browser.open(self.url(wanted))
        url = browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "not sent to the login page")
        self.assertEqual(parse_qs(urlsplit(url).query), {"next": [wanted]}, url)
        self.assertIn(LOGIN_REQUIRED, self.status_text(browser))
        browser.screenshot("login-required")

        self.sign_in(browser, name, remember_me=False)
        self.assertEqual(browser.driver.current_url, self.url(wanted))
        self.assertEqual(self.heading(browser), "Hi, %s!" % name)
        browser.screenshot("home")

    def test_a_wrong_password_is_reported_and_the_destination_kept(self):
        name = registered_user(self)
        browser = open_browser(self)
        browser.open(self.url("/index?tab=posts"))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "not sent to the login page")
        browser.fill("username", name)
        browser.fill("password", PASSWORD + "x")
        browser.click_and_wait_for_new_page(browser.driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]'))
        self.assertEqual(parse_qs(urlsplit(browser.driver.current_url).query), {"next": ["/index?tab=posts"]})
        self.assertIn("Invalid username or password", self.status_text(browser))
        self.assertVisitor(browser)
        browser.screenshot("wrong-password")

        self.sign_in(browser, name, remember_me=False)
        self.assertEqual(browser.driver.current_url, self.url("/index?tab=posts"))


class FormAccessibilityTest(BrowserTestCase):
    FORMS = ("/login", "/register")

    def test_the_first_field_has_focus(self):
        browser = open_browser(self)
        for path in self.FORMS:
            browser.open(self.url(path))
            browser.screenshot(path.strip("/"))
            browser.wait(lambda d: browser.active_element_id() == "username",
                         message="focus is on %r, not the username field, on %s"
                         % (browser.active_element_id(), path))

    def test_every_field_has_a_label(self):
        browser = open_browser(self)
        for path in self.FORMS:
            browser.open(self.url(path))
            browser.screenshot(path.strip("/"))
            fields = browser.driver.execute_script("""
                return Array.from(document.querySelectorAll('input, select, textarea'))
                    .filter(f => f.type !== 'hidden' && f.type !== 'submit')
                    .map(f => {
                        const label = f.id ? document.querySelector('label[for="' + CSS.escape(f.id) + '"]') : null;
                        return [f.name, f.id, label ? label.textContent.trim() : null];
                    });""")
            self.assertTrue(fields, "no fields on %s" % path)
            for name, field_id, label in fields:
                self.assertTrue(field_id, "field %s on %s has no id" % (name, path))
                self.assertTrue(label, "field %s on %s has no <label for=%s>" % (name, path, field_id))

    def test_fields_say_what_browsers_and_password_managers_should_fill_in(self):
        expected = {
            "/login": {"username": "username", "password": "current-password"},
            "/register": {"username": "username", "email": "email", "password": "new-password",
                          "password2": "new-password"},
        }
        browser = open_browser(self)
        for path, fields in expected.items():
            browser.open(self.url(path))
            browser.screenshot(path.strip("/"))
            for field_id, autocomplete in fields.items():
                field = browser.driver.find_element(By.ID, field_id)
                self.assertEqual(field.get_attribute("autocomplete"), autocomplete, "%s on %s" % (field_id, path))

    def test_field_errors_are_tied_to_their_fields(self):
        browser = open_browser(self)
        submit_register_form_with_two_mistakes(browser, self.url("/register"))
        browser.screenshot("register-errors")
        self.assertEqual(self.field_error(browser, "username"), "Please use a different username.")
        self.assertEqual(self.field_error(browser, "password2"), "Field must be equal to password.")
        self.assertNoFieldError(browser, "email")
        self.assertNoFieldError(browser, "password")

    def test_flashes_are_a_status_region(self):
        browser = open_browser(self)
        browser.open(self.url("/index"))
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "not sent to the login page")
        browser.screenshot("login-required")
        flashes = browser.driver.find_elements(By.CSS_SELECTOR, "ul.flashes")
        self.assertEqual(len(flashes), 1)
        self.assertEqual(flashes[0].get_attribute("role"), "status")
        self.assertEqual(flashes[0].text, LOGIN_REQUIRED)
        # A flash is shown once.
        browser.open(self.url("/login"))
        self.assertEqual(browser.driver.find_elements(By.CSS_SELECTOR, "ul.flashes"), [])

    def tab_to(self, browser, element_id=None, text=None, presses=15):
        """Presses Tab from the top of the page until the wanted element has focus."""
        driver = browser.driver
        driver.execute_script("document.activeElement && document.activeElement.blur();"
                              "window.getSelection().removeAllRanges();")
        for _ in range(presses):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            focused = driver.switch_to.active_element
            if (element_id and focused.get_attribute("id") == element_id) or (
                    text and focused.text.strip() == text):
                return focused
        self.fail("Tab never reached %s" % (element_id or text))

    def outline(self, browser, element):
        style, width = browser.driver.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];", element)
        return style, float(width.rstrip("px") or 0)

    def assertFocusRing(self, browser, element, what):
        style, width = self.outline(browser, element)
        self.assertNotEqual(style, "none", "%s shows no focus outline" % what)
        # 2 CSS px is the least WCAG 2.2 (2.4.13) counts as a visible focus indicator.
        self.assertGreaterEqual(width, 2, "%s has a %s px focus outline" % (what, width))

    def test_keyboard_focus_is_visible(self):
        browser = open_browser(self)
        browser.open(self.url("/login"))
        username = self.tab_to(browser, element_id="username")
        self.assertTrue(browser.driver.execute_script("return arguments[0].matches(':focus-visible')", username))
        self.assertFocusRing(browser, username, "the username field")
        browser.screenshot("username-focused")
        # The ring follows focus: the field left behind loses it.
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
        self.assertEqual(browser.active_element_id(), "password")
        self.assertEqual(self.outline(browser, username)[0], "none")
        self.assertFocusRing(browser, browser.driver.switch_to.active_element, "the password field")

    def test_keyboard_focus_on_the_logout_button_is_visible(self):
        # A button drawn as a link (no border, no background) easily loses its focus ring.
        name = registered_user(self)
        browser = open_browser(self)
        browser.open(self.url("/login"))
        self.sign_in(browser, name, remember_me=False)
        self.assertSignedInHome(browser, name)
        logout = self.tab_to(browser, text="Logout")
        self.assertEqual(logout.tag_name, "button")
        self.assertFocusRing(browser, logout, "the Logout button")
        browser.screenshot("logout-focused")


class PhoneTest(BrowserTestCase):
    def assertFitsTheScreen(self, browser, what):
        inner_width, scroll_width = browser.driver.execute_script(
            "return [window.innerWidth, document.documentElement.scrollWidth]")
        # On a (emulated) phone, content wider than the screen does not only scroll: the browser
        # zooms out until it fits, which makes innerWidth grow with it (a 400 px wide field gave
        # 416 and 416). So the width itself is checked too: 360 means the page was laid out for
        # the phone (the viewport meta tag) and nothing pushed it wider.
        self.assertEqual(inner_width, 360, "%s is laid out %s px wide on a 360 px phone" % (what, inner_width))
        self.assertLessEqual(scroll_width, inner_width, "%s scrolls sideways on a 360 px phone" % what)

    def test_the_login_page_fits_a_phone(self):
        browser = open_browser(self, phone=True)
        browser.open(self.url("/login"))
        browser.screenshot("login")
        self.assertFitsTheScreen(browser, "the login page")

    def test_the_register_page_with_errors_fits_a_phone(self):
        browser = open_browser(self, phone=True)
        submit_register_form_with_two_mistakes(browser, self.url("/register"))
        self.assertIn("Please use a different username.", browser.driver.page_source)
        browser.screenshot("register-errors")
        self.assertFitsTheScreen(browser, "the register page with errors")


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/python3
"""The "Show password" box of the sign-in and registration forms (static/show-password.js,
OWASP ASVS 2.1.12) in a real browser: hidden until the script runs, it shows and hides what was
typed, and the form still signs in with the password sent as a password field."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import open_browser  # noqa: E402
from client import Visitor, unique_name  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("e2e-show-password")
PASSWORD = "correct horse battery"


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class ShowPasswordTest(unittest.TestCase):
    def field_types(self, browser, *ids):
        return [browser.driver.find_element(By.ID, field_id).get_attribute("type") for field_id in ids]

    def test_without_the_script_the_box_is_hidden(self):
        for path in ("/login", "/register"):
            with self.subTest(path=path):
                page = Visitor(stack.url).get(path).text
                self.assertIn('<p class="checkbox show-password" hidden>', page)
                self.assertIn('<script src="/static/show-password.js" defer></script>', page)
        script = Visitor(stack.url).get("/static/show-password.js")
        self.assertEqual(script.status_code, 200)
        self.assertEqual(script.headers["Content-Type"], "application/javascript; charset=utf-8")

    def test_the_box_shows_and_hides_the_password_and_sign_in_still_works(self):
        name = unique_name("shown")
        self.assertEqual(Visitor(stack.url).register(name, password=PASSWORD).status_code, 302)
        browser = open_browser(self)
        browser.open(stack.url + "/login")
        box = browser.driver.find_element(By.ID, "show_password")
        self.assertTrue(box.is_displayed(), "the script did not reveal the box")
        browser.fill("username", name)
        browser.fill("password", PASSWORD)
        self.assertEqual(self.field_types(browser, "password"), ["password"])
        box.click()
        self.assertEqual(self.field_types(browser, "password"), ["text"])
        self.assertEqual(browser.driver.find_element(By.ID, "password").get_attribute("value"), PASSWORD)
        browser.screenshot("password-shown")
        box.click()
        self.assertEqual(self.field_types(browser, "password"), ["password"])
        box.click()
        browser.click_and_wait_for_new_page(
            browser.driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]'))
        self.assertIn("Hi, %s!" % name, browser.driver.page_source)

    def test_on_the_registration_form_it_shows_both_fields(self):
        browser = open_browser(self)
        browser.open(stack.url + "/register")
        box = browser.driver.find_element(By.ID, "show_password")
        self.assertTrue(box.is_displayed())
        box.click()
        self.assertEqual(self.field_types(browser, "password", "password2"), ["text", "text"])
        box.click()
        self.assertEqual(self.field_types(browser, "password", "password2"), ["password", "password"])


if __name__ == "__main__":
    unittest.main()

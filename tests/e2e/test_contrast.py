#!/usr/bin/python3
"""Enough contrast, measured in a real browser (headless Chromium) per WCAG 2.1: every visible piece
of text against the background it is drawn on (1.4.3), text fields' borders and the keyboard focus
ring against the card (1.4.11), and links told apart from the text around them (1.4.1)."""
import os
import sys
import unittest
from urllib.parse import urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser import open_browser  # noqa: E402
from client import Visitor, unique_name  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from stack import Stack  # noqa: E402

stack = Stack("e2e-contrast")

PASSWORD = "correct horse battery"
LOGIN_REQUIRED = "Please log in to access this page."
TEXT_FIELDS = 'input[type="text"], input[type="email"], input[type="password"]'

# In the page: colours as [r, g, b, a]; background(e) is what e is painted on: the background
# colours from e up to the first opaque one, composited over white (the canvas).
JS_HELPERS = r"""
const parse = c => {
    const m = c.match(/^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/);
    if (!m) throw new Error('cannot read the colour ' + c);
    return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
};
const background = e => {
    const layers = [];
    for (; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.unshift(c);
        if (c[3] >= 1) break;
    }
    return layers.reduce((b, c) => [0, 1, 2].map(i => c[i] * c[3] + b[i] * (1 - c[3])), [255, 255, 255]);
};
const visible = e => e.getClientRects().length > 0
    && e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
const describe = e => e.tagName.toLowerCase() + [...e.classList].map(c => '.' + c).join('')
    + (e.id ? '#' + e.id : '');
"""

# Every visible element that directly holds text (a text node's parent, or a field or button
# showing its value), with its text colour, background and type size.
TEXTS_JS = JS_HELPERS + r"""
const found = new Map();
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n; (n = walker.nextNode());) {
    if (n.nodeValue.trim()) found.set(n.parentElement, (found.get(n.parentElement) || '') + n.nodeValue);
}
for (const f of document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio])')) {
    if (f.value) found.set(f, f.value);
}
return [...found].filter(([e]) => visible(e)).map(([e, text]) => {
    const s = getComputedStyle(e);
    return {what: describe(e), text: text.replace(/\s+/g, ' ').trim().slice(0, 60), color: parse(s.color),
            background: background(e), size: parseFloat(s.fontSize), weight: parseInt(s.fontWeight, 10)};
});
"""

LINKS_JS = JS_HELPERS + r"""
return [...document.querySelectorAll('a[href]')].filter(visible).map(a => ({
    what: describe(a), text: a.textContent.trim(), color: parse(getComputedStyle(a).color),
    around: parse(getComputedStyle(a.parentElement).color), background: background(a),
    underlined: getComputedStyle(a).textDecorationLine.includes('underline')}));
"""

BORDERS_JS = JS_HELPERS + r"""
return [...document.querySelectorAll(arguments[0])].filter(visible).map(f => {
    const s = getComputedStyle(f);
    return {what: describe(f), card: background(f.parentElement), sides: ['Top', 'Right', 'Bottom', 'Left']
        .map(side => [side.toLowerCase(), parseFloat(s[`border${side}Width`]), parse(s[`border${side}Color`])])};
});
"""

FOCUS_JS = JS_HELPERS + r"""
const e = document.activeElement, s = getComputedStyle(e);
return {what: describe(e), focusVisible: e.matches(':focus-visible'), style: s.outlineStyle,
        color: parse(s.outlineColor), card: background(e.parentElement)};
"""


def luminance(rgb):
    r, g, b = (v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in (c / 255 for c in rgb[:3]))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(color, below):
    """`color` ([r, g, b, a]) as drawn on the opaque `below`."""
    return [c * color[3] + b * (1 - color[3]) for c, b in zip(color[:3], below[:3])]


def rgb(color):
    return "#%02x%02x%02x" % tuple(round(c) for c in color[:3])


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


class ContrastTest(unittest.TestCase):
    longMessage = False  # the messages below say it all

    def open(self, path):
        browser = open_browser(self)
        browser.open(stack.url + path)
        return browser

    def submit(self, browser):
        browser.click_and_wait_for_new_page(browser.driver.find_element(By.CSS_SELECTOR, 'input[type="submit"]'))

    def focus_ring(self, browser, selector, presses=15):
        """Tabs (so that :focus-visible applies) until an element matching `selector` has focus."""
        driver = browser.driver
        driver.execute_script("document.activeElement.blur(); window.getSelection().removeAllRanges();")
        for _ in range(presses):
            ActionChains(driver).send_keys(Keys.TAB).perform()
            if driver.execute_script("return document.activeElement.matches(arguments[0])", selector):
                break
        else:
            self.fail("Tab never reached %s on %s" % (selector, driver.current_url))
        ring = driver.execute_script(FOCUS_JS)
        self.assertTrue(ring["focusVisible"], "%s does not match :focus-visible" % ring["what"])
        self.assertNotEqual(ring["style"], "none", "%s shows no focus outline" % ring["what"])
        return ring

    def assertContrast(self, browser, expected, fields=False, ring=None):
        """Text 4.5:1 (large text 3:1) on its background; links underlined or 3:1 against the text
        around them; with `fields`, text fields' borders 3:1 against the card; with `ring`, the focus
        ring of the first element Tab reaches matching it 3:1 against the card. Every failure on the
        page is listed. `expected` are (element, text) pairs that must be among the texts measured,
        so that a walk that finds nothing cannot pass."""
        driver, failures = browser.driver, []

        def check(ratio, needed, what):
            if ratio < needed:
                failures.append("%s = %.2f:1, needs %.1f:1" % (what, ratio, needed))

        texts = driver.execute_script(TEXTS_JS)
        for what, text in expected:
            self.assertTrue(any(what in t["what"] and text in t["text"] for t in texts),
                            "no %s %r measured among %s" % (what, text, [(t["what"], t["text"]) for t in texts]))
        for t in texts:
            large = t["size"] >= 24 or (t["size"] >= 18.66 and t["weight"] >= 700)
            color = over(t["color"], t["background"])
            check(contrast(color, t["background"]), 3.0 if large else 4.5,
                  "text %s %r: %s on %s" % (t["what"], t["text"], rgb(color), rgb(t["background"])))
        links = driver.execute_script(LINKS_JS)
        self.assertTrue(links, "no links measured on %s" % driver.current_url)
        for link in (link for link in links if not link["underlined"]):
            color, around = over(link["color"], link["background"]), over(link["around"], link["background"])
            check(contrast(color, around), 3.0, "link %s %r, not underlined: %s beside text in %s"
                  % (link["what"], link["text"], rgb(color), rgb(around)))
        if fields:
            found = driver.execute_script(BORDERS_JS, TEXT_FIELDS)
            self.assertTrue(found, "no text fields measured on %s" % driver.current_url)
            for field in found:
                card = field["card"]
                for side, width, color in field["sides"]:
                    color = over(color, card)
                    check(contrast(color, card) if width > 0 else 1.0, 3.0,
                          "%s border of %s: %g px %s on %s" % (side, field["what"], width, rgb(color), rgb(card)))
        if ring:
            found = self.focus_ring(browser, ring)
            color = over(found["color"], found["card"])
            check(contrast(color, found["card"]), 3.0,
                  "focus ring of %s: %s on %s" % (found["what"], rgb(color), rgb(found["card"])))
        self.assertEqual(failures, [], "too little contrast on %s:\n%s" % (driver.current_url, "\n".join(failures)))

    def test_login_page_with_a_flash(self):
        browser = self.open("/index")
        browser.wait_for_url(lambda url: urlsplit(url).path == "/login", "not sent to the login page")
        browser.screenshot("login-required")
        self.assertContrast(browser, [("li", LOGIN_REQUIRED), ("h1", "Sign In"), ("label", "Username"),
                                      ("input", "Sign In"), ("a", "Click to Register!")],
                            fields=True, ring=TEXT_FIELDS)

    def test_register_page_with_field_errors(self):
        browser = self.open("/register")
        browser.fill("username", "susan")  # a demo account: the name is taken
        browser.fill("email", "%s@example.com" % unique_name())
        browser.fill("password", PASSWORD)
        browser.fill("password2", "another " + PASSWORD)
        self.submit(browser)
        browser.screenshot("register-errors")
        self.assertContrast(browser, [("span.field-error", "Field must be equal to password."),
                                      ("span.field-error", "Please use a different username."),
                                      ("input#username", "susan"), ("input", "Register")],
                            fields=True, ring=TEXT_FIELDS)

    def test_home_page_signed_in(self):
        visitor = Visitor(stack.url)
        self.addCleanup(visitor.http.close)
        name = unique_name()
        self.assertEqual(visitor.register(name, password=PASSWORD).status_code, 302)
        browser = self.open("/login")
        browser.fill("username", name)
        browser.fill("password", PASSWORD)
        self.submit(browser)
        self.assertEqual(browser.driver.current_url, stack.url + "/index", "not signed in")
        browser.screenshot("home")
        self.assertContrast(browser, [("h1", "Hi, %s!" % name), ("span.author", ""), ("b", ""),
                                      ("span.brand", "Microblog:"), ("button.link-button", "Logout")],
                            ring="button.link-button")

    def test_nginx_error_page(self):
        browser = self.open("/no-such-page")
        browser.screenshot("not-found")
        self.assertContrast(browser, [("h1", "404"), ("p", "There is no page at this address."),
                                      ("a", "Back to the home page")])


if __name__ == "__main__":
    unittest.main(verbosity=2)

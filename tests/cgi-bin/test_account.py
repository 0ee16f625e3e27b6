#!/usr/bin/python3
"""The account pages (cgi-bin/account*.cpp, cgi-bin/confirm.cpp) over HTTP, with several browsers
(cookie jars) of one user at once: seeing and ending sessions, changing the password, and sudo
mode's confirmation."""
import os
import re
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor, unique_name  # noqa: E402
from routes import pages  # noqa: E402
from stack import Stack, sql_text  # noqa: E402

FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ON_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/126.0.0.0 Safari/537.36")
SAFARI_ON_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
THROTTLE_FAILURES = 3

stack = Stack("cgi-bin-account", config={"throttle_failures": THROTTLE_FAILURES})


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def browser(user_agent=FIREFOX_ON_LINUX):
    visitor = Visitor(stack.url)
    visitor.http.headers["User-Agent"] = user_agent
    return visitor


def signed_in_browser(name, user_agent=FIREFOX_ON_LINUX, remember_me=False, password="correct horse"):
    visitor = browser(user_agent)
    answer = visitor.login(name, password=password, remember_me=remember_me)
    assert answer.status_code == 302 and answer.headers["Location"] == "/index", answer.headers
    return visitor


def new_user(prefix="acct"):
    name = unique_name(prefix)
    assert browser().register(name).status_code == 302
    return name


def is_signed_in(visitor, name):
    page = visitor.get("/index")
    assert page.status_code < 500, page.status_code
    return page.status_code == 200 and ("Hi, %s!" % name) in page.text


def sessions_of(visitor):
    """The sessions page as a list of dicts, in page order."""
    page = visitor.get("/account/sessions")
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    sessions = []
    for item in re.finditer(r'<li class="session" id="session-([0-9a-f]{32})">(.*?)</li>', page.text, re.S):
        body = item.group(2)

        def field(css_class, body=body):
            return re.search(r'<dd class="%s">(.*?)</dd>' % css_class, body, re.S).group(1)
        sessions.append({
            "id": item.group(1),
            "device": re.search(r"<strong>(.*?)</strong>", body).group(1),
            "current": "This device" in body,
            "address": field("session-address"),
            "signed_in": field("session-signed-in"),
            "last_active": field("session-last-active"),
            "remembered": field("session-remembered"),
            "has_sign_out": 'value="end"' in body,
        })
    return sessions


def csrf_of(visitor, path="/account/sessions"):
    return visitor.csrf_token(path)


def end_session(visitor, public_id, **extra):
    data = {"csrf_token": csrf_of(visitor), "action": "end", "session": public_id}
    data.update(extra)
    return visitor.post("/account/sessions", data)


def change_password(visitor, current, new, new2=None):
    data = {"csrf_token": csrf_of(visitor, "/account/password"), "current_password": current,
            "password": new, "password2": new if new2 is None else new2}
    return visitor.post("/account/password", data)


def make_confirmation_stale(name):
    stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id "
              "SET s.confirmed_at = UTC_TIMESTAMP() - INTERVAL 11 MINUTE WHERE u.username = %s" % sql_text(name))


def session_count(name):
    return int(stack.sql("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                         "WHERE u.username = %s" % sql_text(name))[0][0])


def log_text(route):
    with open(os.path.join(stack.var_dir, "log", route + ".log"), errors="replace") as f:
        return f.read()


class AccountPageTest(unittest.TestCase):
    def test_the_account_page_shows_the_username_and_email_with_links(self):
        name = new_user()
        visitor = signed_in_browser(name)
        page = visitor.get("/account")
        self.assertEqual(page.status_code, 200)
        self.assertIn('<dd id="account-username">%s</dd>' % name, page.text)
        self.assertIn('<dd id="account-email">%s@example.com</dd>' % name, page.text)
        self.assertIn('href="/account/password"', page.text)
        self.assertIn('href="/account/sessions"', page.text)

    def test_the_navigation_shows_account_beside_logout_only_when_signed_in(self):
        visitor = signed_in_browser(new_user())
        home = visitor.get("/index").text
        self.assertIn('<a href="/account">Account</a>', home)
        self.assertIn('action="/logout"', home)
        self.assertNotIn('<a href="/account">Account</a>', browser().get("/login").text)

    def test_a_visitor_is_sent_to_sign_in_and_back_to_each_signed_in_page(self):
        name = new_user()
        for path in pages(audience="signed-in"):
            with self.subTest(path=path):
                visitor = browser()
                answer = visitor.get(path)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/login?next=" + path.replace("/", "%2F"))
                signed_in = visitor.login(name, next_path=path)
                self.assertEqual(signed_in.headers["Location"], path)
                self.assertEqual(visitor.get(path).status_code, 200)

    def test_a_visitor_posting_to_the_signed_in_pages_changes_nothing(self):
        for path in pages(audience="signed-in", method="POST"):
            with self.subTest(path=path):
                answer = browser().post(path, {"action": "end_others", "password": "x"})
                self.assertEqual(answer.status_code, 302)
                self.assertTrue(answer.headers["Location"].startswith("/login?next="))


class SessionsPageTest(unittest.TestCase):
    def test_two_browsers_see_each_other(self):
        name = new_user()
        firefox = signed_in_browser(name, FIREFOX_ON_LINUX)
        chrome = signed_in_browser(name, CHROME_ON_WINDOWS, remember_me=True)
        seen_by_firefox = sessions_of(firefox)
        seen_by_chrome = sessions_of(chrome)
        self.assertEqual(len(seen_by_firefox), 2)
        self.assertEqual({s["id"] for s in seen_by_firefox}, {s["id"] for s in seen_by_chrome})
        # Each browser is "This device" on its own page, and listed first.
        self.assertTrue(seen_by_firefox[0]["current"])
        self.assertFalse(seen_by_firefox[1]["current"])
        self.assertEqual(seen_by_firefox[0]["device"], "Firefox on Linux")
        self.assertEqual(seen_by_firefox[1]["device"], "Chrome on Windows")
        self.assertEqual(seen_by_chrome[0]["device"], "Chrome on Windows")
        self.assertEqual(seen_by_chrome[0]["id"], seen_by_firefox[1]["id"])
        for seen in seen_by_firefox:
            self.assertEqual(seen["address"], "127.0.0.1")
            self.assertRegex(seen["signed_in"], r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
        self.assertEqual(seen_by_firefox[0]["last_active"], "now")
        self.assertRegex(seen_by_firefox[1]["last_active"], r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
        self.assertEqual([s["remembered"] for s in seen_by_firefox], ["No", "Yes"])
        # Only the other session has its own Sign out button.
        self.assertEqual([s["has_sign_out"] for s in seen_by_firefox], [False, True])

    def test_the_page_names_sessions_by_public_id_never_by_token_or_hash(self):
        name = new_user()
        visitor = signed_in_browser(name)
        signed_in_browser(name, CHROME_ON_WINDOWS)
        page = visitor.get("/account/sessions").text
        hashes = [row[0] for row in stack.sql(
            "SELECT LOWER(HEX(token_hash)) FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.username = %s" % sql_text(name))]
        token = visitor.http.cookies["session"].split(".")[1]
        for secret in hashes + [token]:
            self.assertNotIn(secret, page.lower())
        ids = {row[0] for row in stack.sql(
            "SELECT LOWER(HEX(public_id)) FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE u.username = %s" % sql_text(name))}
        self.assertEqual({s["id"] for s in sessions_of(visitor)}, ids)

    def test_newest_activity_comes_first_after_this_device(self):
        name = new_user()
        first = signed_in_browser(name, FIREFOX_ON_LINUX)
        signed_in_browser(name, CHROME_ON_WINDOWS)
        signed_in_browser(name, SAFARI_ON_IOS)
        stack.sql("UPDATE sessions s JOIN users u ON u.id = s.user_id SET s.last_seen_at = CASE "
                  "WHEN s.user_agent LIKE '%%Windows%%' THEN UTC_TIMESTAMP() - INTERVAL 2 MINUTE "
                  "WHEN s.user_agent LIKE '%%iPhone%%' THEN UTC_TIMESTAMP() - INTERVAL 5 MINUTE "
                  "ELSE s.last_seen_at END WHERE u.username = %s" % sql_text(name))
        self.assertEqual([s["device"] for s in sessions_of(first)],
                         ["Firefox on Linux", "Chrome on Windows", "Safari on iOS"])

    def test_a_page_shows_only_the_users_own_sessions(self):
        name, other = new_user(), new_user()
        visitor = signed_in_browser(name)
        signed_in_browser(other)
        self.assertEqual(len(sessions_of(visitor)), 1)

    def test_the_user_agent_is_stored_cut_to_255_printable_characters_and_shown_as_a_label(self):
        name = new_user()
        long_agent = "<script>alert(1)</script>" + "x" * 1000
        visitor = signed_in_browser(name, long_agent)
        lengths = stack.sql("SELECT LENGTH(user_agent) FROM sessions s JOIN users u ON u.id = s.user_id "
                            "WHERE u.username = %s" % sql_text(name))
        self.assertEqual(lengths, [["255"]])
        page = visitor.get("/account/sessions").text
        self.assertNotIn("<script>alert", page)
        self.assertEqual(sessions_of(visitor)[0]["device"], "Unknown browser")

    def test_signing_out_another_session_makes_it_a_visitor_at_once(self):
        name = new_user()
        firefox = signed_in_browser(name, FIREFOX_ON_LINUX)
        chrome = signed_in_browser(name, CHROME_ON_WINDOWS, remember_me=True)
        other = [s for s in sessions_of(firefox) if not s["current"]][0]
        answer = end_session(firefox, other["id"])
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/account/sessions")
        after = firefox.get("/account/sessions")
        self.assertIn("That session has been signed out.", firefox.flashes(after.text))
        self.assertFalse(is_signed_in(chrome, name))
        self.assertTrue(is_signed_in(firefox, name))
        self.assertEqual([s["current"] for s in sessions_of(firefox)], [True])
        self.assertRegex(log_text("account_sessions"),
                         r'session ended user="%s" ip=127\.0\.0\.1' % name)

    def test_signing_out_all_other_sessions(self):
        name = new_user()
        keeper = signed_in_browser(name, FIREFOX_ON_LINUX)
        others = [signed_in_browser(name, CHROME_ON_WINDOWS), signed_in_browser(name, SAFARI_ON_IOS, True)]
        answer = keeper.post("/account/sessions", {"csrf_token": csrf_of(keeper), "action": "end_others"})
        self.assertEqual(answer.status_code, 302)
        self.assertIn("All your other sessions have been signed out.",
                      keeper.flashes(keeper.get("/account/sessions").text))
        for other in others:
            self.assertFalse(is_signed_in(other, name))
        self.assertTrue(is_signed_in(keeper, name))
        self.assertEqual(session_count(name), 1)
        self.assertRegex(log_text("account_sessions"),
                         r'other sessions ended \(2\) user="%s" ip=127\.0\.0\.1' % name)
        # With nobody else signed in the button is gone, and a replayed post ends nothing.
        self.assertNotIn('value="end_others"', keeper.get("/account/sessions").text)
        keeper.post("/account/sessions", {"csrf_token": csrf_of(keeper), "action": "end_others"})
        self.assertTrue(is_signed_in(keeper, name))


class SessionsBadInputTest(unittest.TestCase):
    """Wrong, foreign and malformed requests change nothing and never get a 5xx."""

    def setUp(self):
        self.name = new_user()
        self.me = signed_in_browser(self.name, FIREFOX_ON_LINUX)
        self.my_other = signed_in_browser(self.name, CHROME_ON_WINDOWS)
        self.stranger_name = new_user("strg")
        self.stranger = signed_in_browser(self.stranger_name)

    def assert_nothing_changed(self):
        self.assertTrue(is_signed_in(self.me, self.name))
        self.assertTrue(is_signed_in(self.my_other, self.name))
        self.assertTrue(is_signed_in(self.stranger, self.stranger_name))
        self.assertEqual(session_count(self.name), 2)

    def test_another_users_session_id_ends_nothing(self):
        foreign = sessions_of(self.stranger)[0]["id"]
        answer = end_session(self.me, foreign)
        self.assertEqual(answer.status_code, 302)
        self.assertIn("That session is not signed in any more, so there was nothing to sign out.",
                      self.me.flashes(self.me.get("/account/sessions").text))
        self.assert_nothing_changed()

    def test_an_unknown_or_malformed_session_id_ends_nothing(self):
        own = sessions_of(self.me)[0]["id"]
        for bad in (uuid.uuid4().hex, "", "zz" * 16, own[:-2], own + "00", own.upper() + "0",
                    "x" * 64, "x" * 5000, "%00", "\u00e9" * 16, "' OR '1'='1"):
            with self.subTest(session=bad[:40]):
                answer = end_session(self.me, bad)
                self.assertLess(answer.status_code, 500)
                self.assertIn(answer.status_code, (302, 400))
        self.assert_nothing_changed()

    def test_this_devices_own_id_is_not_signed_out_here(self):
        own = [s for s in sessions_of(self.me) if s["current"]][0]["id"]
        end_session(self.me, own)
        self.assert_nothing_changed()

    def test_a_post_without_or_with_a_wrong_csrf_token_ends_nothing(self):
        other = [s for s in sessions_of(self.me) if not s["current"]][0]["id"]
        foreign_token = csrf_of(self.stranger)
        for data in ({"action": "end", "session": other},
                     {"action": "end_others"},
                     {"action": "end_others", "csrf_token": ""},
                     {"action": "end_others", "csrf_token": foreign_token},
                     {"action": "end", "session": other, "csrf_token": "x" * 50}):
            with self.subTest(data=data):
                answer = self.me.post("/account/sessions", data)
                self.assertEqual(answer.status_code, 400)
                self.assertIn("This form has expired", answer.text)
        self.assert_nothing_changed()

    def test_a_missing_or_unknown_action_is_a_clear_400(self):
        for action in (None, "", "end_all", "x" * 100):
            with self.subTest(action=action):
                data = {"csrf_token": csrf_of(self.me)}
                if action is not None:
                    data["action"] = action
                answer = self.me.post("/account/sessions", data)
                self.assertEqual(answer.status_code, 400)
                self.assertIn("did not say which session to sign out", answer.text)
        self.assert_nothing_changed()

    def test_a_form_sent_from_another_site_is_refused(self):
        answer = self.me.post("/account/sessions", {"csrf_token": csrf_of(self.me), "action": "end_others"},
                              headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(answer.status_code, 403)
        self.assert_nothing_changed()

    def test_other_methods_are_refused(self):
        for method in ("PUT", "DELETE", "PATCH"):
            answer = self.me.http.request(method, stack.url + "/account/sessions", allow_redirects=False,
                                          timeout=30)
            self.assertEqual(answer.status_code, 405)
        self.assert_nothing_changed()


class SudoModeTest(unittest.TestCase):
    def test_signing_in_counts_as_a_confirmation(self):
        visitor = signed_in_browser(new_user())
        self.assertEqual(visitor.get("/account/sessions").status_code, 200)

    def test_a_stale_confirmation_goes_to_confirm_and_back_to_the_exact_page(self):
        name = new_user()
        visitor = signed_in_browser(name)
        make_confirmation_stale(name)
        page = "/account/sessions?from=mail&x=%C3%A9"
        answer = visitor.get(page)
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"],
                         "/confirm?next=%2Faccount%2Fsessions%3Ffrom%3Dmail%26x%3D%25C3%25A9")
        form = visitor.get(answer.headers["Location"])
        self.assertEqual(form.status_code, 200)
        self.assertIn('<input type="submit" name="submit" value="Confirm">', form.text)
        token = CSRF_PATTERN.search(form.text).group(1)
        wrong = visitor.post(answer.headers["Location"], {"csrf_token": token, "password": "wrong horse"})
        self.assertEqual(wrong.status_code, 200)
        self.assertIn("Incorrect password.", wrong.text)
        self.assertEqual(visitor.get("/account/sessions").status_code, 302)
        right = visitor.post(answer.headers["Location"], {"csrf_token": token, "password": "correct horse"})
        self.assertEqual(right.status_code, 302)
        self.assertEqual(right.headers["Location"], page)
        self.assertEqual(visitor.get(page).status_code, 200)
        log = log_text("confirm")
        self.assertRegex(log, r'confirm failed user="%s" ip=127\.0\.0\.1' % name)
        self.assertRegex(log, r'confirm ok user="%s" ip=127\.0\.0\.1' % name)

    def test_a_stale_confirmation_stops_an_action_until_confirmed(self):
        name = new_user()
        visitor = signed_in_browser(name)
        other = signed_in_browser(name, CHROME_ON_WINDOWS)
        token = csrf_of(visitor)
        make_confirmation_stale(name)
        answer = visitor.post("/account/sessions", {"csrf_token": token, "action": "end_others"})
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/confirm?next=%2Faccount%2Fsessions")
        self.assertTrue(is_signed_in(other, name))

    def test_confirmation_is_per_session(self):
        name = new_user()
        first = signed_in_browser(name)
        second = signed_in_browser(name, CHROME_ON_WINDOWS)
        make_confirmation_stale(name)
        confirm = "/confirm?next=%2Faccount%2Fsessions"
        first.post(confirm, {"csrf_token": csrf_of(first, confirm), "password": "correct horse"})
        self.assertEqual(first.get("/account/sessions").status_code, 200)
        self.assertEqual(second.get("/account/sessions").status_code, 302)

    def test_confirm_never_sends_the_user_to_another_site(self):
        name = new_user()
        visitor = signed_in_browser(name)
        for next_path in ("//evil.example/", "https://evil.example/", "/\\evil.example", ""):
            with self.subTest(next_path=next_path):
                path = "/confirm?next=" + next_path
                answer = visitor.post(path, {"csrf_token": csrf_of(visitor, path), "password": "correct horse"})
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/account")

    def test_wrong_passwords_at_confirm_are_throttled_like_sign_in(self):
        name = new_user()
        visitor = signed_in_browser(name)
        make_confirmation_stale(name)
        path = "/confirm?next=%2Faccount%2Fsessions"
        for _ in range(THROTTLE_FAILURES):
            answer = visitor.post(path, {"csrf_token": csrf_of(visitor, path), "password": "wrong horse"})
            self.assertIn("Incorrect password.", answer.text)
        locked = visitor.post(path, {"csrf_token": csrf_of(visitor, path), "password": "correct horse"})
        self.assertEqual(locked.status_code, 200)
        self.assertIn("Too many incorrect passwords", locked.text)
        self.assertEqual(visitor.get("/account/sessions").status_code, 302)
        # The lock is the account's: signing in elsewhere is refused too.
        self.assertEqual(browser().login(name).headers["Location"], "/login")
        self.assertRegex(log_text("confirm"), r'confirm throttled user="%s"' % name)

    def test_confirm_without_a_password_or_token_is_a_clear_answer(self):
        name = new_user()
        visitor = signed_in_browser(name)
        empty = visitor.post("/confirm", {"csrf_token": csrf_of(visitor, "/confirm"), "password": ""})
        self.assertEqual(empty.status_code, 200)
        self.assertIn("This field is required.", empty.text)
        no_token = visitor.post("/confirm", {"password": "correct horse"})
        self.assertEqual(no_token.status_code, 400)
        self.assertIn("This form has expired", no_token.text)


class PasswordChangeTest(unittest.TestCase):
    def test_changing_the_password_signs_out_every_other_browser_and_keeps_this_one(self):
        name = new_user()
        changer = signed_in_browser(name, FIREFOX_ON_LINUX)
        others = [signed_in_browser(name, CHROME_ON_WINDOWS), signed_in_browser(name, SAFARI_ON_IOS, True)]
        old_cookie = changer.http.cookies["session"]
        answer = change_password(changer, "correct horse", "battery staple 42")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/account")
        new_cookie = changer.http.cookies["session"]
        self.assertNotEqual(new_cookie, old_cookie)
        landing = changer.get("/account")
        self.assertEqual(landing.status_code, 200)
        self.assertIn("Your password has been changed.", changer.flashes(landing.text))
        self.assertTrue(is_signed_in(changer, name))
        for other in others:
            self.assertFalse(is_signed_in(other, name))
        self.assertEqual(session_count(name), 1)
        # The token this browser had before is worth nothing now.
        stale = browser()
        stale.http.cookies.set("session", old_cookie)
        self.assertFalse(is_signed_in(stale, name))
        # Only the new password signs in.
        self.assertEqual(browser().login(name, password="correct horse").headers["Location"], "/login")
        self.assertTrue(is_signed_in(signed_in_browser(name, password="battery staple 42"), name))
        self.assertRegex(log_text("account_password"),
                         r'password changed, 2 other sessions ended user="%s" ip=127\.0\.0\.1' % name)

    def test_remember_me_is_kept_as_it_was(self):
        for remember_me in (False, True):
            with self.subTest(remember_me=remember_me):
                name = new_user()
                visitor = signed_in_browser(name, remember_me=remember_me)
                answer = change_password(visitor, "correct horse", "battery staple 42")
                set_cookie = answer.headers["Set-Cookie"]
                self.assertIn("session=", set_cookie)
                self.assertEqual("Max-Age=" in set_cookie, remember_me, set_cookie)
                remembered = stack.sql("SELECT remember_me FROM sessions s JOIN users u ON u.id = s.user_id "
                                       "WHERE u.username = %s" % sql_text(name))
                self.assertEqual(remembered, [["1" if remember_me else "0"]])

    def test_a_wrong_current_password_changes_nothing(self):
        name = new_user()
        visitor = signed_in_browser(name)
        other = signed_in_browser(name, CHROME_ON_WINDOWS)
        answer = change_password(visitor, "wrong horse", "battery staple 42")
        self.assertEqual(answer.status_code, 200)
        self.assertIn('<span class="field-error" id="current_password-error">Incorrect password.</span>',
                      answer.text)
        self.assertTrue(is_signed_in(other, name))
        self.assertTrue(is_signed_in(signed_in_browser(name, password="correct horse"), name))
        self.assertRegex(log_text("account_password"), r'password change failed user="%s"' % name)

    def test_the_new_password_follows_the_registration_rules(self):
        name = new_user()
        visitor = signed_in_browser(name)
        cases = [("battery staple 42", "battery staple 43", "password2", "Field must be equal to password."),
                 ("", "", "password", "This field is required."),
                 ("password", "password", "password", None)]
        for new, new2, field, message in cases:
            with self.subTest(new=new, new2=new2):
                answer = change_password(visitor, "correct horse", new, new2)
                self.assertEqual(answer.status_code, 200)
                error = re.search(r'<span class="field-error" id="%s-error">(.*?)</span>' % field, answer.text)
                self.assertIsNotNone(error, answer.text[:3000])
                if message:
                    self.assertEqual(error.group(1), message)
        self.assertTrue(is_signed_in(signed_in_browser(name, password="correct horse"), name))

    def test_a_missing_csrf_token_changes_nothing(self):
        name = new_user()
        visitor = signed_in_browser(name)
        answer = visitor.post("/account/password", {"current_password": "correct horse",
                                                     "password": "battery staple 42",
                                                     "password2": "battery staple 42"})
        self.assertEqual(answer.status_code, 400)
        self.assertIn("This form has expired", answer.text)
        self.assertTrue(is_signed_in(signed_in_browser(name, password="correct horse"), name))

    def test_an_oversized_or_binary_password_is_a_form_error(self):
        name = new_user()
        visitor = signed_in_browser(name)
        for current, new in (("x" * 1025, "battery staple 42"), ("correct horse", "y" * 1025),
                             ("correct horse", "bad\x00byte staple"), ("\xff\xfe", "battery staple 42")):
            with self.subTest(current=current[:8], new=new[:8]):
                answer = change_password(visitor, current, new)
                self.assertEqual(answer.status_code, 200)
                self.assertIn('class="field-error"', answer.text)
        self.assertTrue(is_signed_in(signed_in_browser(name, password="correct horse"), name))


if __name__ == "__main__":
    unittest.main()

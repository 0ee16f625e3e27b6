#!/usr/bin/python3
"""Passkeys (cgi-bin/account_passkeys.cpp, cgi-bin/login_passkey.cpp, core/passkeys/webauthn.cpp) over
HTTP, with a software authenticator (tests/support/soft_authenticator.py) answering both WebAuthn
ceremonies the way static/passkeys.js posts them: honestly, replayed, or tampered with field by
field. WebAuthn needs a host name, so every browser here opens http://localhost:PORT, the origin
the stack configures (webauthn_rp_id = localhost)."""
import copy
import hashlib
import json
import os
import re
import sys
import threading
import time
import unittest

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
from client import CSRF_PATTERN, Visitor  # noqa: E402
from soft_authenticator import (FLAG_USER_PRESENT, FLAG_USER_VERIFIED, SoftAuthenticator,  # noqa: E402
                                b64url, unb64url)
from stack import Stack, sql_text  # noqa: E402
import totp  # noqa: E402

NOT_ACCEPTED = "That passkey could not sign you in. Please try again, or sign in with your password."
NOT_ADDED = "That passkey could not be added. Please try again."
BAD_NAME = "Please give the passkey a name of at most 64 characters."
EXPIRED = "This page has expired. Please reload it and try again."
ADDED = "Your passkey has been added."
REMOVED = "The passkey has been removed."
NOT_FOUND = "That passkey was not found, so nothing was removed."
LAST_USED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")

stack = Stack("cgi-bin-passkeys")


def setUpModule():
    unittest.addModuleCleanup(stack.stop)
    stack.start()


def origin():
    return "http://localhost:%d" % stack.port


def browser():
    return Visitor(stack.url.replace("127.0.0.1", "localhost"))


def authenticator(**kwargs):
    return SoftAuthenticator("localhost", origin(), **kwargs)


def other_port():
    return stack.port + 1 if stack.port < 65535 else stack.port - 1


# --- cookies, the log, the database ---------------------------------------------------------

def set_cookie(response, name):
    """{attribute lower-cased: value} of the Set-Cookie for `name` (with "" for the value), or None."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        parts = [part.strip() for part in header.split(";")]
        cookie_name, _, value = parts[0].partition("=")
        if cookie_name == name:
            attributes = {"": value}
            for part in parts[1:]:
                key, _, attribute_value = part.partition("=")
                attributes[key.lower()] = attribute_value
            return attributes
    return None


def copy_cookies(source, target, name=None):
    for cookie in list(source.http.cookies):
        if name is None or cookie.name == name:
            target.http.cookies.set_cookie(copy.copy(cookie))


def drop_cookie(visitor, name):
    for cookie in list(visitor.http.cookies):
        if cookie.name == name:
            visitor.http.cookies.clear(cookie.domain, cookie.path, cookie.name)


class LogWatch:
    """What a route's log gains from now on."""

    def __init__(self, route):
        self.path = os.path.join(stack.var_dir, "log", route + ".log")
        self.offset = os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def text(self):
        if not os.path.exists(self.path):
            return ""
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            return f.read().decode(errors="replace")

    def wait_for(self, needle, timeout=3):
        deadline = time.monotonic() + timeout
        while needle not in self.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.text()


def user_id(name):
    return int(stack.sql("SELECT id FROM users WHERE username = %s" % sql_text(name))[0][0])


def handle_of(name):
    return b64url(str(user_id(name)).encode())


def stored_passkeys(auth):
    """[(owner's username, sign_count)] of the rows of this authenticator's credential id."""
    return [tuple(row) for row in stack.sql(
        "SELECT u.username, p.sign_count FROM passkeys p JOIN users u ON u.id = p.user_id "
        "WHERE p.credential_id = X'%s'" % auth.credential_id.hex())]


def passkey_count(name):
    return int(stack.sql("SELECT COUNT(*) FROM passkeys WHERE user_id = %d" % user_id(name))[0][0])


def expire_challenge(options):
    stack.sql("UPDATE webauthn_challenges SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
              "WHERE challenge = X'%s'" % unb64url(options["challenge"]).hex())


def signed_in_name(visitor):
    """The username /index greets in this browser, or None when it is not signed in."""
    page = visitor.get("/index")
    assert page.status_code < 500, page.status_code
    if page.status_code != 200 or 'action="/logout"' not in page.text:
        return None
    match = re.search(r"<h1>Hi, (.*?)!</h1>", page.text)
    return match.group(1) if match else None


# --- signing in ---------------------------------------------------------------------------------

def login_token(visitor):
    return visitor.csrf_token("/login")


def sign_in_options(visitor, token):
    answer = visitor.post("/login/passkey", {"csrf_token": token, "action": "options"})
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    return answer.json()


def post_assertion(visitor, token, fields, next_path=None, remember_me=False):
    data = dict(fields, csrf_token=token)
    if remember_me:
        data["remember_me"] = "y"
    params = {"next": next_path} if next_path is not None else None
    return visitor.post("/login/passkey", data, params=params)


def passkey_sign_in(auth, visitor=None, tamper=None, next_path=None, remember_me=False, **assertion_args):
    """A sign-in as static/passkeys.js makes it, in `visitor` (a new browser by default), the
    posted fields first passed to tamper(fields, options, visitor): (visitor, answer, fields)."""
    visitor = visitor or browser()
    token = login_token(visitor)
    options = sign_in_options(visitor, token)
    fields = auth.assertion(options, **assertion_args)
    if tamper:
        tamper(fields, options, visitor)
    return visitor, post_assertion(visitor, token, fields, next_path, remember_me), fields


def resign(auth, fields):
    """Signs the fields' client data and authenticator data again with the authenticator's key,
    so that a check other than the signature's has to catch what was changed."""
    signed = unb64url(fields["authenticator_data"]) + hashlib.sha256(unb64url(fields["client_data"])).digest()
    fields["signature"] = b64url(auth.key.sign(signed, ec.ECDSA(hashes.SHA256())))


def rsa_assertion(auth, options):
    """What auth.assertion gives, for an authenticator holding an RSA key (RS256)."""
    client = auth.client_data("webauthn.get", options["challenge"])
    data = auth.authenticator_data(FLAG_USER_PRESENT | FLAG_USER_VERIFIED)
    signature = auth.key.sign(data + hashlib.sha256(client).digest(), padding.PKCS1v15(), hashes.SHA256())
    return {"action": "verify", "credential_id": b64url(auth.credential_id), "client_data": b64url(client),
            "authenticator_data": b64url(data), "signature": b64url(signature),
            "user_handle": b64url(auth.user_handle)}


# --- the passkeys page ----------------------------------------------------------------------

def passkeys_page(visitor):
    page = visitor.get("/account/passkeys")
    assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
    return page


def passkeys_token(visitor):
    return CSRF_PATTERN.search(passkeys_page(visitor).text).group(1)


def passkeys_on_page(visitor):
    """The page's list: [{"id", "name", "last_used"}] in page order."""
    found = []
    for item in re.finditer(r'<li class="passkey" id="passkey-(\d+)">(.*?)</li>', passkeys_page(visitor).text, re.S):
        found.append({"id": item.group(1),
                      "name": re.search(r"<strong>(.*?)</strong>", item.group(2), re.S).group(1),
                      "last_used": re.search(r'<dd class="passkey-last-used">(.*?)</dd>', item.group(2),
                                             re.S).group(1)})
    return found


def registration_options(visitor, token=None):
    token = token or passkeys_token(visitor)
    answer = visitor.post("/account/passkeys", {"csrf_token": token, "action": "options"})
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    return token, answer.json()


def add_passkey(visitor, auth, name="test key", tamper=None, **registration_args):
    """Adds `auth` as static/passkeys.js would, the fields first passed to tamper(fields, options)."""
    token, options = registration_options(visitor)
    fields = auth.registration(options, name=name, **registration_args)
    if tamper:
        tamper(fields, options)
    return visitor.post("/account/passkeys", dict(fields, csrf_token=token))


def remove_passkey(visitor, passkey_id, token=None):
    return visitor.post("/account/passkeys", {"csrf_token": token or passkeys_token(visitor),
                                              "action": "remove", "passkey": passkey_id})


def user_with_passkey(prefix="pk", **authenticator_args):
    """A new user, signed in in a browser, with one passkey: (name, authenticator, browser)."""
    visitor = browser()
    name = visitor.signed_up_and_in(prefix)
    auth = authenticator(**authenticator_args)
    answer = add_passkey(visitor, auth, name="key of " + name)
    assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    assert answer.json() == {"redirect": "/account/passkeys"}, answer.text
    return name, auth, visitor


class PasskeyTestCase(unittest.TestCase):
    def assertNot5xx(self, answer):
        self.assertLess(answer.status_code, 500, answer.text[:300])

    def assertSignedIn(self, visitor, answer, name, redirect="/index"):
        self.assertNot5xx(answer)
        self.assertEqual(answer.status_code, 200, answer.text[:300])
        self.assertEqual(answer.json(), {"redirect": redirect})
        self.assertIsNotNone(set_cookie(answer, "session"))
        self.assertEqual(signed_in_name(visitor), name)

    def assertRefused(self, answer, visitor, watch=None, reason=None, user=None):
        """A 400 with the sign-in's message, no session; and the reason in the log."""
        self.assertNot5xx(answer)
        self.assertEqual(answer.status_code, 400, answer.text[:300])
        self.assertEqual(answer.json(), {"error": NOT_ACCEPTED})
        self.assertIsNone(set_cookie(answer, "session"))
        self.assertNotIn("session", [cookie.name for cookie in visitor.http.cookies])
        self.assertIsNone(signed_in_name(visitor))
        if watch is not None:
            line = "login passkey refused (%s) user=" % reason
            if user is not None:
                line += '"%s"' % user
            self.assertIn(line, watch.wait_for(line))

    def assertNotAdded(self, answer, watch=None, reason=None):
        self.assertNot5xx(answer)
        self.assertEqual(answer.status_code, 400, answer.text[:300])
        self.assertEqual(answer.json(), {"error": NOT_ADDED})
        if watch is not None:
            line = "passkey refused (%s) user=" % reason
            self.assertIn(line, watch.wait_for(line))


# --- 1. registering and signing in --------------------------------------------------------------

class SignInTest(PasskeyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.name, cls.auth, cls.visitor = user_with_passkey("pksign")

    def test_a_registered_passkey_signs_in_and_the_page_shows_its_name_and_last_use(self):
        visitor = browser()
        name = visitor.signed_up_and_in("pkreg")
        self.assertIn('id="no-passkeys"', passkeys_page(visitor).text)
        token = passkeys_token(visitor)
        answer = visitor.post("/account/passkeys", {"csrf_token": token, "action": "options"})
        self.assertEqual(answer.status_code, 200)
        self.assertTrue(answer.headers["Content-Type"].startswith("application/json"))
        self.assertIn("httponly", set_cookie(answer, "webauthn"))
        options = answer.json()
        self.assertEqual(options["rpId"], "localhost")
        self.assertEqual(options["userName"], name)
        self.assertEqual(unb64url(options["userId"]), str(user_id(name)).encode())
        self.assertEqual(len(unb64url(options["challenge"])), 32)
        self.assertEqual(options["exclude"], [])
        auth = authenticator()
        added = visitor.post("/account/passkeys", dict(auth.registration(options, name="My laptop"), csrf_token=token))
        self.assertEqual(added.status_code, 200, added.text)
        self.assertEqual(added.json(), {"redirect": "/account/passkeys"})
        self.assertEqual(set_cookie(added, "webauthn").get("max-age"), "0")
        page = passkeys_page(visitor).text
        self.assertIn(ADDED, visitor.flashes(page))
        listed = passkeys_on_page(visitor)
        self.assertEqual([(p["name"], p["last_used"]) for p in listed], [("My laptop", "never")])
        self.assertEqual(registration_options(visitor)[1]["exclude"], [b64url(auth.credential_id)])

        login_page = browser().get("/login").text
        self.assertIn('<form id="passkey-sign-in"', login_page)
        watch = LogWatch("login_passkey")
        other, answer, _ = passkey_sign_in(auth)
        self.assertSignedIn(other, answer, name)
        session = set_cookie(answer, "session")
        self.assertNotIn("max-age", session)  # no Remember Me: a browser-session cookie
        self.assertIn("httponly", session)
        self.assertEqual(set_cookie(answer, "webauthn").get("max-age"), "0")  # the challenge is done
        self.assertIn('login ok user="%s"' % name, watch.wait_for("login ok"))
        last_used = passkeys_on_page(visitor)[0]["last_used"]
        self.assertNotEqual(last_used, "never")
        self.assertRegex(last_used, LAST_USED)

    def test_a_safe_next_is_followed_and_an_unsafe_one_ends_on_index(self):
        for next_path, expected in (("/account", "/account"), ("/account?tab=1", "/account?tab=1"),
                                    ("//evil.example", "/index"), ("https://evil.example/", "/index"),
                                    ("/\\evil.example", "/index"), ("", "/index")):
            with self.subTest(next=next_path):
                visitor, answer, _ = passkey_sign_in(self.auth, next_path=next_path)
                self.assertSignedIn(visitor, answer, self.name, redirect=expected)
                self.assertEqual(visitor.get(expected).status_code, 200)

    def test_remember_me_gives_a_lasting_session_cookie(self):
        visitor, answer, _ = passkey_sign_in(self.auth, remember_me=True)
        self.assertSignedIn(visitor, answer, self.name)
        self.assertEqual(set_cookie(answer, "session").get("max-age"), "2592000")
        rows = stack.sql("SELECT COUNT(*) FROM sessions WHERE remember_me = 1 AND user_id = %d" % user_id(self.name))
        self.assertEqual(rows, [["1"]])


# --- 2. two-factor users ------------------------------------------------------------------------

class TwoFactorTest(PasskeyTestCase):
    def test_a_user_with_two_factor_sign_in_is_not_asked_for_a_code_with_a_passkey(self):
        name, auth, visitor = user_with_passkey("pk2fa")
        setup = visitor.post("/account/two-factor", {"csrf_token": visitor.csrf_token("/account/two-factor"),
                                                     "action": "setup"})
        self.assertEqual(setup.status_code, 302)
        secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>',
                           visitor.get("/account/two-factor").text).group(1)
        enabled = visitor.post("/account/two-factor", {"csrf_token": visitor.csrf_token("/account/two-factor"),
                                                       "action": "enable",
                                                       "code": totp.code(secret, totp.steady_step() - 1)})
        self.assertEqual(enabled.status_code, 200)
        self.assertIn("Two-factor sign-in is <strong>on</strong>", enabled.text)
        # The password alone is not enough now ...
        password = browser().login(name)
        self.assertEqual(password.headers.get("Location"), "/login/two-factor")
        # ... but a passkey is: no code asked, no pending sign-in.
        signed_in, answer, _ = passkey_sign_in(auth, next_path="/account")
        self.assertSignedIn(signed_in, answer, name, redirect="/account")
        self.assertIsNone(set_cookie(answer, "pending_sign_in"))
        self.assertEqual(signed_in.get("/account").status_code, 200)


# --- 3. replay ----------------------------------------------------------------------------------

class ReplayTest(PasskeyTestCase):
    def test_an_accepted_assertion_is_refused_when_posted_again_from_any_browser(self):
        name, auth, _ = user_with_passkey("pkreplay")
        first = browser()
        token = login_token(first)
        options = sign_in_options(first, token)
        challenge_cookie = [copy.copy(c) for c in first.http.cookies if c.name == "webauthn"]
        self.assertEqual(len(challenge_cookie), 1)
        captured = auth.assertion(options)
        self.assertSignedIn(first, post_assertion(first, token, captured), name)

        with self.subTest("a new browser without a challenge"):
            watch = LogWatch("login_passkey")
            replayer = browser()
            self.assertRefused(post_assertion(replayer, login_token(replayer), captured), replayer,
                               watch, "no unused challenge")
        with self.subTest("a new browser with a new challenge"):
            watch = LogWatch("login_passkey")
            replayer = browser()
            replay_token = login_token(replayer)
            sign_in_options(replayer, replay_token)
            self.assertRefused(post_assertion(replayer, replay_token, captured), replayer,
                               watch, "the challenge is not the one issued", name)
        with self.subTest("a new browser with the captured challenge cookie too"):
            watch = LogWatch("login_passkey")
            replayer = browser()
            replay_token = login_token(replayer)
            replayer.http.cookies.set_cookie(challenge_cookie[0])
            self.assertRefused(post_assertion(replayer, replay_token, captured), replayer,
                               watch, "no unused challenge")
        # The passkey itself still works.
        visitor, answer, _ = passkey_sign_in(auth)
        self.assertSignedIn(visitor, answer, name)

    def test_of_one_assertion_posted_at_once_from_copies_of_a_browser_only_one_signs_in(self):
        name, auth, _ = user_with_passkey("pkrace")
        original = browser()
        token = login_token(original)
        fields = auth.assertion(sign_in_options(original, token))
        copies = []
        for _ in range(4):
            clone = browser()
            copy_cookies(original, clone)
            copies.append(clone)
        answers = [None] * len(copies)
        start = threading.Barrier(len(copies))

        def post(i):
            start.wait()
            answers[i] = post_assertion(copies[i], token, fields)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(len(copies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for answer in answers:
            self.assertNot5xx(answer)
        self.assertEqual(sorted(answer.status_code for answer in answers), [200, 400, 400, 400])
        self.assertEqual([signed_in_name(clone) for clone in copies].count(name), 1)


# --- 4. tampering -------------------------------------------------------------------------------

def altered_client_data(change):
    def tamper(fields, options, visitor):
        fields["client_data"] = b64url(change(unb64url(fields["client_data"]), options))
    return tamper


def resigned_client_data(auth, make):
    """Client data of make(options), validly signed."""
    def tamper(fields, options, visitor):
        fields["client_data"] = b64url(make(options))
        resign(auth, fields)
    return tamper


def set_field(name, value):
    def tamper(fields, options, visitor):
        fields[name] = value(fields[name]) if callable(value) else value
    return tamper


def without_field(name):
    def tamper(fields, options, visitor):
        del fields[name]
    return tamper


def flipped_last_byte(text):
    raw = bytearray(unb64url(text))
    raw[-1] ^= 0x01
    return b64url(bytes(raw))


class TamperTest(PasskeyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.name, cls.auth, cls.visitor = user_with_passkey("pktamper")
        cls.other_name, cls.other_auth, cls.other_visitor = user_with_passkey("pkother")

    def check_refused(self, reason, user=None, **sign_in_args):
        watch = LogWatch("login_passkey")
        visitor, answer, _ = passkey_sign_in(self.auth, **sign_in_args)
        self.assertRefused(answer, visitor, watch, reason, user)

    def test_altered_client_data_is_refused(self):
        auth = self.auth
        cases = (
            ("a byte added after signing", "bad signature",
             altered_client_data(lambda data, options: data[:-1] + b" }")),
            ("re-encoded with another challenge", "the challenge is not the one issued",
             altered_client_data(lambda data, options: data.replace(options["challenge"].encode(),
                                                                    b64url(os.urandom(32)).encode()))),
            ("signed over another challenge, the issued one put in after", "bad signature",
             set_field("signature", lambda _: auth.assertion({"challenge": b64url(os.urandom(32))})["signature"])),
            ("not JSON", "clientDataJSON is not the JSON object WebAuthn defines",
             resigned_client_data(auth, lambda options: b"[1, 2]")),
            ("without an origin", "clientDataJSON is not the JSON object WebAuthn defines",
             resigned_client_data(auth, lambda options: json.dumps(
                 {"type": "webauthn.get", "challenge": options["challenge"]}).encode())),
            ("in a cross-origin frame", "the ceremony ran in a cross-origin frame",
             resigned_client_data(auth, lambda options: auth.client_data(
                 "webauthn.get", options["challenge"], crossOrigin=True))),
        )
        for label, reason, tamper in cases:
            with self.subTest(label):
                self.check_refused(reason, self.name, tamper=tamper)

    def test_the_wrong_type_origin_rp_id_or_flags_are_refused(self):
        port = stack.port
        cases = (
            ("type webauthn.create", "type is webauthn.create, not webauthn.get", {"kind": "webauthn.create"}),
            ("type empty", "type is , not webauthn.get", {"kind": ""}),
            ("origin http://evil.example", "the origin is not " + origin(), {"origin": "http://evil.example"}),
            ("origin on another port", "the origin is not " + origin(),
             {"origin": "http://localhost:%d" % other_port()}),
            ("origin https", "the origin is not " + origin(), {"origin": "https://localhost:%d" % port}),
            ("origin with a slash", "the origin is not " + origin(), {"origin": "http://localhost:%d/" % port}),
            ("origin by address", "the origin is not " + origin(), {"origin": "http://127.0.0.1:%d" % port}),
            ("rpIdHash of evil.example", "rpIdHash is not the hash of localhost", {"rp_id": "evil.example"}),
            ("rpIdHash of 127.0.0.1", "rpIdHash is not the hash of localhost", {"rp_id": "127.0.0.1"}),
            ("user present cleared", "the user-present flag is not set", {"flags": FLAG_USER_VERIFIED}),
            ("no flags", "the user-present flag is not set", {"flags": 0}),
        )
        for label, reason, assertion_args in cases:
            with self.subTest(label):
                self.check_refused(reason, self.name, **assertion_args)

    def test_a_wrong_signature_credential_or_user_handle_is_refused(self):
        auth = self.auth
        impostor = authenticator()
        impostor.credential_id = auth.credential_id
        impostor.user_handle = auth.user_handle
        stranger = authenticator()

        def replace_with(other):
            def tamper(fields, options, visitor):
                fields.update(other.assertion(options))
            return tamper

        cases = (
            ("signature altered", "bad signature", self.name, set_field("signature", flipped_last_byte)),
            ("signature of another key", "bad signature", self.name, replace_with(impostor)),
            ("signature of the other user's passkey", "bad signature", self.name,
             lambda fields, options, visitor: fields.update(
                 dict(self.other_auth.assertion(options), credential_id=b64url(auth.credential_id),
                      user_handle=b64url(auth.user_handle)))),
            ("authenticator data altered after signing", "bad signature", self.name,
             set_field("authenticator_data", lambda text: b64url(unb64url(text) + b"\x00"))),
            ("unknown credential id", "unknown credential", None, replace_with(stranger)),
            ("unknown credential id of 384 bytes", "unknown credential", None,
             set_field("credential_id", b64url(os.urandom(384)))),
            ("user handle of another user", "user handle of another user", self.name,
             lambda fields, options, visitor: fields.update(user_handle=handle_of(self.other_name))),
            ("user handle of no user", "user handle of another user", self.name,
             set_field("user_handle", b64url(b"999999999"))),
            ("user handle not base64url", "user handle of another user", self.name, set_field("user_handle", "*"))
        )
        for label, reason, user, tamper in cases:
            with self.subTest(label):
                self.check_refused(reason, user, tamper=tamper)

    def test_malformed_missing_and_oversized_fields_are_refused(self):
        cases = []
        for field in ("credential_id", "client_data", "authenticator_data", "signature"):
            cases += [("%s missing" % field, "malformed fields", without_field(field)),
                      ("%s empty" % field, "malformed fields", set_field(field, "")),
                      ("%s with a character outside base64url" % field, "malformed fields",
                       set_field(field, lambda text: "*" + text)),
                      ("%s with padding" % field, "malformed fields", set_field(field, lambda text: text + "=")),
                      ("%s with a NUL" % field, "malformed fields", set_field(field, lambda text: text + "\x00"))]
        for field, limit in (("credential_id", 1400), ("client_data", 4096), ("authenticator_data", 2048),
                             ("signature", 1024), ("user_handle", 256)):
            cases.append(("%s over %d characters" % (field, limit), "malformed fields",
                          set_field(field, "A" * (limit + 1))))
        cases += [
            ("a base64url string of 4n+1 characters", "malformed fields", set_field("signature", "AAAAA")),
            ("authenticator data of 36 bytes", "malformed authenticator data",
             set_field("authenticator_data", lambda text: b64url(unb64url(text)[:36]))),
            ("attested data flag without attested data", "malformed authenticator data",
             set_field("authenticator_data", lambda text: b64url(
                 unb64url(text)[:32] + bytes([unb64url(text)[32] | 0x40]) + unb64url(text)[33:37] + b"\x00" * 4))),
        ]
        for label, reason, tamper in cases:
            with self.subTest(label):
                self.check_refused(reason, tamper=tamper)

    def test_an_assertion_without_its_challenge_is_refused(self):
        def no_cookie(fields, options, visitor):
            drop_cookie(visitor, "webauthn")

        def forged_cookie(fields, options, visitor):
            cookie = copy.copy([c for c in visitor.http.cookies if c.name == "webauthn"][0])
            cookie.value = cookie.value[:-4] + ("AAAA" if cookie.value[-4:] != "AAAA" else "BBBB")
            visitor.http.cookies.set_cookie(cookie)

        for label, tamper in (("no challenge cookie", no_cookie), ("a forged challenge cookie", forged_cookie),
                              ("an expired challenge", lambda fields, options, visitor: expire_challenge(options))):
            with self.subTest(label):
                self.check_refused("no unused challenge", tamper=tamper)
        with self.subTest("a challenge that was never asked for"):
            watch = LogWatch("login_passkey")
            visitor = browser()
            fields = self.auth.assertion({"challenge": b64url(os.urandom(32))})
            self.assertRefused(post_assertion(visitor, login_token(visitor), fields), visitor, watch,
                               "no unused challenge")

    def test_a_challenge_issued_for_registration_does_not_sign_in(self):
        _, options = registration_options(self.visitor)
        visitor = browser()
        token = login_token(visitor)
        copy_cookies(self.visitor, visitor, "webauthn")
        watch = LogWatch("login_passkey")
        self.assertRefused(post_assertion(visitor, token, self.auth.assertion(options)), visitor, watch,
                           "no unused challenge")

    def test_after_all_that_the_passkey_still_signs_in(self):
        visitor, answer, _ = passkey_sign_in(self.auth)
        self.assertSignedIn(visitor, answer, self.name)


# --- 5. the signature counter -------------------------------------------------------------------

class CounterTest(PasskeyTestCase):
    def test_a_counter_that_does_not_go_up_is_refused(self):
        name, auth, visitor = user_with_passkey("pkcount", sign_count=5)
        self.assertEqual(stored_passkeys(auth), [(name, "5")])
        signed_in, answer, _ = passkey_sign_in(auth)  # counts up to 6
        self.assertSignedIn(signed_in, answer, name)
        self.assertEqual(stored_passkeys(auth), [(name, "6")])
        last_used = passkeys_on_page(visitor)[0]["last_used"]
        for label, count in (("the same count", 6), ("a lower count", 2), ("zero", 0)):
            with self.subTest(label):
                auth.sign_count = count
                watch = LogWatch("login_passkey")
                refused, answer, _ = passkey_sign_in(auth, count_up=False)
                self.assertRefused(answer, refused, watch, "signature counter did not increase", name)
                self.assertEqual(stored_passkeys(auth), [(name, "6")])
        self.assertEqual(passkeys_on_page(visitor)[0]["last_used"], last_used)
        auth.sign_count = 6
        signed_in, answer, _ = passkey_sign_in(auth)  # 7
        self.assertSignedIn(signed_in, answer, name)
        auth.sign_count = 1000
        signed_in, answer, _ = passkey_sign_in(auth)  # a jump forward is fine
        self.assertSignedIn(signed_in, answer, name)
        self.assertEqual(stored_passkeys(auth), [(name, "1001")])


# --- 6. removing --------------------------------------------------------------------------------

class RemovalTest(PasskeyTestCase):
    def test_a_removed_passkey_no_longer_signs_in(self):
        name, auth, visitor = user_with_passkey("pkremove")
        [passkey] = passkeys_on_page(visitor)
        answer = remove_passkey(visitor, passkey["id"])
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/account/passkeys")
        page = passkeys_page(visitor).text
        self.assertEqual(visitor.flashes(page), [REMOVED])
        self.assertIn('id="no-passkeys"', page)
        self.assertEqual(stored_passkeys(auth), [])
        watch = LogWatch("login_passkey")
        refused, answer, _ = passkey_sign_in(auth)
        self.assertRefused(answer, refused, watch, "unknown credential")

    def test_another_users_passkey_cannot_be_removed(self):
        name, auth, visitor = user_with_passkey("pkmine")
        other_name, other_auth, other_visitor = user_with_passkey("pktheirs")
        [theirs] = passkeys_on_page(other_visitor)
        answer = remove_passkey(visitor, theirs["id"])
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(visitor.flashes(passkeys_page(visitor).text), [NOT_FOUND])
        self.assertEqual(passkeys_on_page(other_visitor), [theirs])
        self.assertEqual(len(passkeys_on_page(visitor)), 1)
        signed_in, answer, _ = passkey_sign_in(other_auth)
        self.assertSignedIn(signed_in, answer, other_name)

    def test_an_unknown_or_non_numeric_id_removes_nothing(self):
        name, auth, visitor = user_with_passkey("pkbadid")
        [mine] = passkeys_on_page(visitor)
        token = passkeys_token(visitor)
        for passkey_id in ("", "abc", "-1", "0", "1.0", "0x1", "1e3", mine["id"] + "abc", "999999999",
                           "999999999999999999", "9223372036854775807", "99999999999999999999", "9" * 25,
                           "\u0661\u0662", "<script>alert(1)</script>", "1; DELETE FROM passkeys"):
            with self.subTest(passkey=passkey_id[:30]):
                answer = remove_passkey(visitor, passkey_id, token)
                self.assertNot5xx(answer)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/account/passkeys")
                self.assertEqual(visitor.flashes(passkeys_page(visitor).text), [NOT_FOUND])
        with self.subTest("without a CSRF token"):
            answer = visitor.post("/account/passkeys", {"action": "remove", "passkey": mine["id"]})
            self.assertNot5xx(answer)
            self.assertEqual(answer.status_code, 400)
        self.assertEqual(passkeys_on_page(visitor), [dict(mine)])
        signed_in, answer, _ = passkey_sign_in(auth)
        self.assertSignedIn(signed_in, answer, name)


# --- 7. two users -------------------------------------------------------------------------------

class TwoUsersTest(PasskeyTestCase):
    def test_each_passkey_signs_in_only_its_owner(self):
        first_name, first_auth, _ = user_with_passkey("pkfirst")
        second_name, second_auth, _ = user_with_passkey("pksecond")
        visitor, answer, _ = passkey_sign_in(second_auth)
        self.assertSignedIn(visitor, answer, second_name)
        self.assertNotEqual(signed_in_name(visitor), first_name)
        visitor, answer, _ = passkey_sign_in(first_auth)
        self.assertSignedIn(visitor, answer, first_name)
        with self.subTest("the second passkey with the first user's handle"):
            watch = LogWatch("login_passkey")
            refused, answer, _ = passkey_sign_in(
                second_auth, tamper=lambda fields, options, v: fields.update(user_handle=handle_of(first_name)))
            self.assertRefused(answer, refused, watch, "user handle of another user", second_name)
        with self.subTest("the second passkey's signature under the first one's credential id"):
            watch = LogWatch("login_passkey")
            refused, answer, _ = passkey_sign_in(
                second_auth, tamper=lambda fields, options, v: fields.update(
                    credential_id=b64url(first_auth.credential_id), user_handle=b64url(first_auth.user_handle)))
            self.assertRefused(answer, refused, watch, "bad signature", first_name)


# --- 8. registration checks ---------------------------------------------------------------------

def rsa_key(bits, _cache={}):
    if bits not in _cache:
        _cache[bits] = rsa.generate_private_key(65537, bits)
    return _cache[bits]


class RegistrationTest(PasskeyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.visitor = browser()
        cls.name = cls.visitor.signed_up_and_in("pkadd")

    def check_not_added(self, reason, auth=None, **add_args):
        before = passkey_count(self.name)
        watch = LogWatch("account_passkeys")
        self.assertNotAdded(add_passkey(self.visitor, auth or authenticator(), **add_args), watch, reason)
        self.assertEqual(passkey_count(self.name), before)

    def test_a_credential_registered_already_is_refused_for_anyone(self):
        name, auth, visitor = user_with_passkey("pktwice")
        watch = LogWatch("account_passkeys")
        self.assertNotAdded(add_passkey(visitor, auth, name="again"), watch, "a credential registered already")
        other = browser()
        other_name = other.signed_up_and_in("pkcopier")
        for label, key in (("with another key", ec.generate_private_key(ec.SECP256R1())),
                           ("with the same key", auth.key)):
            with self.subTest(label):
                clone = authenticator()
                clone.credential_id, clone.key = auth.credential_id, key
                watch = LogWatch("account_passkeys")
                self.assertNotAdded(add_passkey(other, clone), watch, "a credential registered already")
        self.assertEqual(stored_passkeys(auth), [(name, "0")])
        self.assertEqual(passkey_count(other_name), 0)
        signed_in, answer, _ = passkey_sign_in(auth)
        self.assertSignedIn(signed_in, answer, name)

    def test_a_registration_must_answer_this_users_unused_challenge(self):
        with self.subTest("a used challenge"):
            token, options = registration_options(self.visitor)
            fields = authenticator().registration(options)
            self.assertEqual(self.visitor.post("/account/passkeys", dict(fields, csrf_token=token)).status_code, 200)
            watch = LogWatch("account_passkeys")
            fields = authenticator().registration(options)
            self.assertNotAdded(self.visitor.post("/account/passkeys", dict(fields, csrf_token=token)),
                                watch, "no unused challenge")
        with self.subTest("an expired challenge"):
            self.check_not_added("no unused challenge", tamper=lambda fields, options: expire_challenge(options))
        with self.subTest("no challenge cookie"):
            self.check_not_added("no unused challenge",
                                 tamper=lambda fields, options: drop_cookie(self.visitor, "webauthn"))
        with self.subTest("another user's challenge"):
            other = browser()
            other.signed_up_and_in("pkchal")
            _, options = registration_options(other)
            copy_cookies(other, self.visitor, "webauthn")
            watch = LogWatch("account_passkeys")
            fields = authenticator().registration(options)
            self.assertNotAdded(self.visitor.post("/account/passkeys",
                                                  dict(fields, csrf_token=passkeys_token(self.visitor))),
                                watch, "no unused challenge")
        with self.subTest("a sign-in challenge"):
            visitor = browser()
            login_options = sign_in_options(visitor, login_token(visitor))
            copy_cookies(visitor, self.visitor, "webauthn")
            watch = LogWatch("account_passkeys")
            fields = authenticator().registration(dict(login_options, userId=handle_of(self.name)))
            self.assertNotAdded(self.visitor.post("/account/passkeys",
                                                  dict(fields, csrf_token=passkeys_token(self.visitor))),
                                watch, "no unused challenge")

    def test_the_wrong_origin_type_rp_id_flags_or_credential_are_refused(self):
        port = stack.port

        def client_data_of_type(kind):
            def tamper(fields, options):
                fields["client_data"] = b64url(authenticator().client_data(kind, options["challenge"]))
            return tamper

        def field(name, value):
            def tamper(fields, options):
                if value is None:
                    del fields[name]
                else:
                    fields[name] = value
            return tamper

        other_rp = authenticator()

        def authenticator_data(rp_id=None, attested=True):
            def tamper(fields, options):
                other_rp.credential_id = unb64url(fields["credential_id"])
                fields["authenticator_data"] = b64url(other_rp.authenticator_data(FLAG_USER_PRESENT, attested, rp_id))
            return tamper

        cases = (
            ("origin http://evil.example", "the origin is not " + origin(), {"origin": "http://evil.example"}),
            ("origin on another port", "the origin is not " + origin(),
             {"origin": "http://localhost:%d" % other_port()}),
            ("origin by address", "the origin is not " + origin(), {"origin": "http://127.0.0.1:%d" % port}),
            ("type webauthn.get", "type is webauthn.get, not webauthn.create",
             {"tamper": client_data_of_type("webauthn.get")}),
            ("in a cross-origin frame", "the ceremony ran in a cross-origin frame", {"crossOrigin": True}),
            ("rpIdHash of evil.example", "rpIdHash is not the hash of localhost",
             {"tamper": authenticator_data(rp_id="evil.example")}),
            ("rpIdHash of 127.0.0.1", "rpIdHash is not the hash of localhost",
             {"tamper": authenticator_data(rp_id="127.0.0.1")}),
            ("user present cleared", "the user-present flag is not set", {"flags": FLAG_USER_VERIFIED}),
            ("a credential id not in the authenticator data", "authenticator data without this credential",
             {"tamper": field("credential_id", b64url(os.urandom(16)))}),
            ("authenticator data without attested data", "authenticator data without this credential",
             {"tamper": authenticator_data(attested=False)}),
            ("no public key", "malformed fields", {"tamper": field("public_key", None)}),
            ("public key not base64url", "malformed fields", {"tamper": field("public_key", "*AAAA")}),
            ("client data missing", "malformed fields", {"tamper": field("client_data", None)}),
            ("algorithm -8", "malformed fields", {"tamper": field("algorithm", "-8")}),
            ("algorithm 7", "malformed fields", {"tamper": field("algorithm", "7")}),
            ("algorithm missing", "malformed fields", {"tamper": field("algorithm", None)}),
            ("algorithm -7x", "malformed fields", {"tamper": field("algorithm", "-7x")}),
        )
        for label, reason, add_args in cases:
            with self.subTest(label):
                self.check_not_added(reason, **add_args)

    def test_only_a_public_key_of_the_algorithm_is_accepted(self):
        def with_key(key, algorithm="-7"):
            auth = authenticator()
            auth.key = key
            return auth, (lambda fields, options: fields.update(algorithm=algorithm))

        def spki(key):
            return key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)

        p256 = ec.generate_private_key(ec.SECP256R1())
        cases = (
            ("P-384 for -7", "a public key that is not -7", with_key(ec.generate_private_key(ec.SECP384R1()))),
            ("secp256k1 for -7", "a public key that is not -7", with_key(ec.generate_private_key(ec.SECP256K1()))),
            ("brainpoolP256r1 for -7", "a public key that is not -7",
             with_key(ec.generate_private_key(ec.BrainpoolP256R1()))),
            ("RSA-2048 for -7", "a public key that is not -7", with_key(rsa_key(2048))),
            ("Ed25519 for -7", "a public key that is not -7", with_key(ed25519.Ed25519PrivateKey.generate())),
            ("P-256 for -257", "a public key that is not -257", with_key(p256, "-257")),
            ("RSA-1024 for -257", "a public key that is not -257", with_key(rsa_key(1024), "-257")),
            ("not a key", "a public key that is not -7",
             (authenticator(), lambda fields, options: fields.update(public_key=b64url(os.urandom(91))))),
            ("a P-256 key with a byte after it", "a public key that is not -7",
             (authenticator(), lambda fields, options: fields.update(public_key=b64url(spki(p256) + b"\x00")))),
        )
        for label, reason, (auth, tamper) in cases:
            with self.subTest(label):
                self.check_not_added(reason, auth=auth, tamper=tamper)
        with self.subTest("RSA-2048 for -257 is accepted and signs in"):
            auth, tamper = with_key(rsa_key(2048), "-257")
            name, visitor = self.name, self.visitor
            answer = add_passkey(visitor, auth, name="rsa", tamper=tamper)
            self.assertEqual(answer.status_code, 200, answer.text[:300])
            signed_in = browser()
            token = login_token(signed_in)
            fields = rsa_assertion(auth, sign_in_options(signed_in, token))
            self.assertSignedIn(signed_in, post_assertion(signed_in, token, fields), name)

    def test_an_oversized_credential_id_or_public_key_gets_a_clean_answer(self):
        """Credential ids up to WebAuthn's 1023 bytes are stored whole and sign in; a longer one
        is refused with 400 (the column holds 1023), never a 5xx."""
        for size in (256, 384, 1023):
            with self.subTest(credential_id_bytes=size):
                auth = authenticator()
                auth.credential_id = os.urandom(size)
                answer = add_passkey(self.visitor, auth, name="long id %d" % size)
                self.assertEqual(answer.status_code, 200, answer.text[:300])
                visitor, signed_in, _ = passkey_sign_in(auth)
                self.assertSignedIn(visitor, signed_in, self.name)
        with self.subTest(credential_id_bytes=1024):
            auth = authenticator()
            auth.credential_id = os.urandom(1024)
            answer = add_passkey(self.visitor, auth, name="too long id")
            self.assertEqual(answer.status_code, 400)
            self.assertEqual(answer.json(), {"error": NOT_ADDED})
        with self.subTest("an RSA key of 8192 bits"):
            modulus = int.from_bytes(os.urandom(1024), "big") | (1 << 8191) | 1
            public = rsa.RSAPublicNumbers(65537, modulus).public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            self.assertGreater(len(public), 1024)
            auth = authenticator()
            answer = add_passkey(self.visitor, auth, name="big rsa",
                                 tamper=lambda fields, options: fields.update(public_key=b64url(public),
                                                                              algorithm="-257"))
            self.assertEqual(answer.status_code, 200, answer.text[:300])
            stored = stack.sql("SELECT HEX(public_key) FROM passkeys WHERE credential_id = X'%s'"
                               % auth.credential_id.hex())
            self.assertEqual(stored, [[public.hex().upper()]])

    def test_the_name_is_required_and_at_most_64_characters(self):
        for name in ("", "   ", "x" * 65, "\u00e9" * 65, "bad\x01name"):
            with self.subTest(name=name[:10]):
                before = passkey_count(self.name)
                answer = add_passkey(self.visitor, authenticator(), name=name)
                self.assertNot5xx(answer)
                self.assertEqual(answer.status_code, 400)
                self.assertEqual(answer.json(), {"error": BAD_NAME})
                self.assertEqual(passkey_count(self.name), before)
        for name, shown in (("x" * 64, "x" * 64), ("\u00e9" * 64, "\u00e9" * 64),
                            ("\U0001F511" * 64, "\U0001F511" * 64),
                            ("<b>key</b> & co", "&lt;b&gt;key&lt;/b&gt; &amp; co")):
            with self.subTest(name=name[:10]):
                answer = add_passkey(self.visitor, authenticator(), name=name)
                self.assertNot5xx(answer)
                self.assertEqual(answer.status_code, 200, answer.text[:300])
                self.assertIn(shown, [p["name"] for p in passkeys_on_page(self.visitor)])

    def test_without_a_csrf_token_the_answer_is_a_json_error(self):
        before = passkey_count(self.name)
        _, options = registration_options(self.visitor)
        fields = authenticator().registration(options)
        for label, data in (("options", {"action": "options"}),
                            ("options with a wrong token", {"action": "options", "csrf_token": "x" * 43}),
                            ("register", fields),
                            ("register with another browser's token",
                             dict(fields, csrf_token=login_token(browser())))):
            with self.subTest(label):
                answer = self.visitor.post("/account/passkeys", data)
                self.assertNot5xx(answer)
                self.assertEqual(answer.status_code, 400)
                self.assertEqual(answer.json(), {"error": EXPIRED})
        self.assertEqual(passkey_count(self.name), before)


# --- 9. the sign-in route's other requests --------------------------------------------------------

class RouteTest(PasskeyTestCase):
    def test_a_signed_in_user_or_a_get_gets_no_server_error(self):
        name, auth, visitor = user_with_passkey("pkroute")
        for label, answer in (
                ("GET, visitor", browser().get("/login/passkey")),
                ("GET, signed in", visitor.get("/login/passkey")),
                ("HEAD, visitor", browser().http.head(stack.url.replace("127.0.0.1", "localhost") + "/login/passkey",
                                                      timeout=30))):
            with self.subTest(label):
                self.assertNot5xx(answer)
                self.assertEqual(answer.status_code, 405)
        token = passkeys_token(visitor)
        for label, data in (("options, signed in", {"csrf_token": token, "action": "options"}),
                            ("verify, signed in", dict(auth.assertion({"challenge": b64url(os.urandom(32))}),
                                                       csrf_token=token))):
            with self.subTest(label):
                answer = visitor.post("/login/passkey", data)
                self.assertNot5xx(answer)
                self.assertEqual(answer.status_code, 302)
                self.assertEqual(answer.headers["Location"], "/index")
                self.assertEqual(signed_in_name(visitor), name)

    def test_an_unknown_action_or_missing_token_gets_a_json_error(self):
        visitor = browser()
        token = login_token(visitor)
        for label, data, message in (("no action", {"csrf_token": token}, "Unknown action."),
                                     ("unknown action", {"csrf_token": token, "action": "register"},
                                      "Unknown action."),
                                     ("no token", {"action": "options"}, EXPIRED),
                                     ("a wrong token", {"action": "options", "csrf_token": "x" * 43}, EXPIRED)):
            with self.subTest(label):
                answer = visitor.post("/login/passkey", data)
                self.assertNot5xx(answer)
                self.assertEqual(answer.status_code, 400)
                self.assertEqual(answer.json(), {"error": message})

    def test_the_passkeys_page_needs_a_signed_in_user_with_a_recent_password(self):
        answer = browser().get("/account/passkeys")
        self.assertEqual(answer.status_code, 302)
        self.assertTrue(answer.headers["Location"].startswith("/login"), answer.headers["Location"])
        visitor = browser()
        name = visitor.signed_up_and_in("pkstale")
        stack.sql("UPDATE sessions SET confirmed_at = UTC_TIMESTAMP() - INTERVAL 11 MINUTE WHERE user_id = %d"
                  % user_id(name))
        answer = visitor.get("/account/passkeys")
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(answer.headers["Location"], "/confirm?next=%2Faccount%2Fpasskeys")
        answer = visitor.post("/account/passkeys", {"csrf_token": visitor.csrf_token("/index"), "action": "options"})
        self.assertNot5xx(answer)
        self.assertEqual(answer.status_code, 302)
        self.assertTrue(answer.headers["Location"].startswith("/confirm"))


if __name__ == "__main__":
    unittest.main()

"""Signed values as core/crypto/signed_value.cpp makes them, for tests that forge or dissect cookies:
"<key id>.<base64url data>.<base64url MAC>", the MAC an HMAC-SHA256 of purpose NUL id "." data."""
import base64
import hashlib
import hmac


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(key):
    """The id of a key: the first 8 characters of base64url(HMAC(key, "key-id" NUL))."""
    return b64(hmac.new(key, b"key-id\0", hashlib.sha256).digest())[:8]


def sign(key, purpose, data, kid=None):
    """`data` signed with `key` for `purpose`; `kid` labels it with another key's id."""
    kid = key_id(key) if kid is None else kid
    message = purpose.encode() + b"\0" + kid.encode() + b"." + data
    return kid + "." + b64(data) + "." + b64(hmac.new(key, message, hashlib.sha256).digest())


def legacy_sign(key, purpose, data):
    """A value as releases before key ids signed it: "<data>.<mac>", the MAC over purpose NUL data."""
    return b64(data) + "." + b64(hmac.new(key, purpose.encode() + b"\0" + data, hashlib.sha256).digest())


def token_of(cookie_value):
    """The session token inside a session cookie's value."""
    return unb64(cookie_value.split(".")[1])

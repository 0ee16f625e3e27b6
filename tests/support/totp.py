"""An independent TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s) for the tests, with Python's hmac,
to check the server's liboath codes against."""
import base64
import hashlib
import hmac
import struct
import time

STEP_SECONDS = 30


def current_step():
    return int(time.time()) // STEP_SECONDS


def code(secret_base32, step=None):
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    step = current_step() if step is None else step
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return "%06d" % (value % 1000000)


def steady_step(margin=4):
    """The current step, after waiting out its last `margin` seconds, so that the step a test
    computes is still the server's when its request arrives."""
    if STEP_SECONDS - time.time() % STEP_SECONDS < margin:
        time.sleep(STEP_SECONDS - time.time() % STEP_SECONDS + 0.1)
    return current_step()

"""A software passkey for the integration tests: an EC P-256 key pair that answers WebAuthn's
two ceremonies the way a browser would post them to the site (static/passkeys.js), with every
field open to tampering. Built on python3-cryptography."""
import base64
import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED_DATA = 0x40


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    def __init__(self, rp_id, origin, sign_count=0):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = sign_count
        self.user_handle = b""

    def public_key_der(self):
        return self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)

    def client_data(self, kind, challenge_b64, origin=None, **extra):
        data = {"type": kind, "challenge": challenge_b64, "origin": origin or self.origin,
                "crossOrigin": False}
        data.update(extra)
        return json.dumps(data, separators=(",", ":")).encode()

    def authenticator_data(self, flags, attested=False, rp_id=None):
        data = hashlib.sha256((rp_id or self.rp_id).encode()).digest()
        data += bytes([flags | (FLAG_ATTESTED_DATA if attested else 0)])
        data += struct.pack(">I", self.sign_count)
        if attested:
            # AAGUID of zeros (attestation "none"), the credential id, and the COSE key, which the
            # site does not read (it takes the SPKI public key), so any bytes stand in for it.
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += b"\xa0"
        return data

    def registration(self, options, name="test key", flags=FLAG_USER_PRESENT | FLAG_USER_VERIFIED,
                     **client_extra):
        """The fields of action=register, answering `options` (the site's JSON)."""
        self.user_handle = unb64url(options["userId"])
        client = self.client_data("webauthn.create", options["challenge"], **client_extra)
        return {"action": "register", "name": name, "credential_id": b64url(self.credential_id),
                "client_data": b64url(client),
                "authenticator_data": b64url(self.authenticator_data(flags, attested=True)),
                "public_key": b64url(self.public_key_der()), "algorithm": "-7"}

    def assertion(self, options, flags=FLAG_USER_PRESENT | FLAG_USER_VERIFIED, count_up=True,
                  kind="webauthn.get", origin=None, rp_id=None):
        """The fields of action=verify, answering `options`; each call counts up once."""
        if count_up and self.sign_count:
            self.sign_count += 1
        client = self.client_data(kind, options["challenge"], origin=origin)
        auth = self.authenticator_data(flags, rp_id=rp_id)
        signature = self.key.sign(auth + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return {"action": "verify", "credential_id": b64url(self.credential_id),
                "client_data": b64url(client), "authenticator_data": b64url(auth),
                "signature": b64url(signature), "user_handle": b64url(self.user_handle)}

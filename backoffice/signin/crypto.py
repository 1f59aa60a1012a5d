"""Secrets at rest for sign-in: face templates and card keys, sealed with AES-256-GCM; and the
one hash under which random tokens are kept (devices' credentials, inmate and tablet sessions,
visit invitations).

The key comes from the `signin.template_key` setting. Each sealed value names what it belongs to
(associated data such as "face:12" or "card:C-0001"), so a row copied onto another inmate or
card does not open.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x01"
NONCE_BYTES = 12


class SealError(Exception):
    """A sealed value did not open: wrong key, or it was altered or moved."""


def secret_hash(secret: str) -> str:
    """What is stored of a random token: its SHA-256, in hex. The tokens are 256 random bits, so
    a fast hash is enough; it is checked on every request."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _aead(key_text: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"cellgate-signin-v1:" + key_text.encode()).digest())


def seal(key_text: str, plaintext: bytes, context: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + _aead(key_text).encrypt(nonce, plaintext, context.encode())


def unseal(key_text: str, sealed: bytes, context: str) -> bytes:
    if sealed[:1] != VERSION or len(sealed) < 1 + NONCE_BYTES + 16:
        raise SealError("unknown sealed format")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return _aead(key_text).decrypt(nonce, body, context.encode())
    except InvalidTag:
        raise SealError(f"sealed value for {context} does not open with this key") from None

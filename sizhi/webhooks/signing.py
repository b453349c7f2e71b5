"""Signing secrets and signatures.

A subscription's secret is ``whsec_`` and 64 hex digits: HMAC-SHA256, under the installation's
hashing key (``PII_HASH_KEY``, stable for the life of an installation), of a random salt kept on
the subscription. The secret itself is stored nowhere: whoever copies the database alone cannot
sign a request, and rotating the secret is drawing a new salt. It is shown once, when made or
rotated. See docs/adr/0010-webhooks.md.

A request is signed over ``"<timestamp>." + body``: ``Sizhi-Signature: t=<timestamp>,v1=<hex
HMAC-SHA256 with the secret>`` (docs/api-webhooks.md shows how to check it).
"""

import hashlib
import hmac
import secrets

from sizhi.core.pii import keyed_hash

SECRET_PREFIX = "whsec_"  # noqa: S105 - the visible start of every secret, not a secret
VISIBLE_LENGTH = 12  # "whsec_" and the first six hex digits
SIGNATURE_VERSION = "v1"


def new_salt() -> str:
    return secrets.token_urlsafe(32)


def secret_of(salt: str) -> str:
    return SECRET_PREFIX + keyed_hash(salt, "webhook-secret")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},{SIGNATURE_VERSION}={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (and the tests): the header's timestamp is recent and one of its
    v1 signatures matches."""
    parts = [part.partition("=") for part in header.split(",")]
    stamps = [value for key, _sep, value in parts if key.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(
        key.strip() == SIGNATURE_VERSION and hmac.compare_digest(value.strip(), expected)
        for key, _sep, value in parts
    )

"""The signature scheme of webhooks and inbound posts.

``Muster-Signature: v1=<hex>`` is HMAC-SHA256 keyed with the endpoint's secret
over ``f"{timestamp}.{body}"``, where ``Muster-Timestamp`` is Unix seconds.
A receiver recomputes it over the raw body and refuses timestamps more than
``TOLERANCE_S`` away from its clock, so a captured request cannot be replayed
later.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

TIMESTAMP_HEADER = "Muster-Timestamp"
SIGNATURE_HEADER = "Muster-Signature"
ENDPOINT_HEADER = "Muster-Endpoint"
TOLERANCE_S = 300
_VERSION = "v1="


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return _VERSION + digest


def sign_headers(secret: str, body: bytes, at: datetime) -> dict[str, str]:
    timestamp = int(at.timestamp())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def is_valid(
    secret: str, *, timestamp: str, given: str, body: bytes, now: datetime
) -> bool:
    """True when ``given`` signs ``body`` at a fresh ``timestamp``."""
    if not timestamp.isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE_S:
        return False
    expected = signature(secret, int(timestamp), body)
    return hmac.compare_digest(expected.encode(), given.encode())

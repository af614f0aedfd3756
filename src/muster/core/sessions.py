"""Browser sessions: the signed cookie that carries a session token, and the
CSRF token that proves a form or script came from one of our pages.

The token inside the cookie is the same revocable, hashed-at-rest token the
API issues at login; signing the cookie lets a tampered one be refused before
any database lookup. The CSRF token is an HMAC of the session token, so it
needs no storage and dies with the session."""

import hashlib
import hmac

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_NAME = "muster_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SALT = "muster.session"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def seal(token: str, *, secret: str) -> str:
    """The cookie value carrying ``token``."""
    return _serializer(secret).dumps(token)


def unseal(cookie: str, *, secret: str) -> str | None:
    """The token inside a cookie value, or ``None`` when it was not signed by us."""
    try:
        token = _serializer(secret).loads(cookie)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def csrf_token(token: str, *, secret: str) -> str:
    """The CSRF token that belongs to a session token."""
    return hmac.new(
        secret.encode(), b"csrf:" + token.encode(), hashlib.sha256
    ).hexdigest()


def csrf_matches(given: str | None, token: str, *, secret: str) -> bool:
    if not given:
        return False
    return hmac.compare_digest(given, csrf_token(token, secret=secret))

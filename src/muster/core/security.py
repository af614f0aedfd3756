"""Password hashing (Argon2) and bearer token minting (stored only as hashes)."""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
TOKEN_PREFIX = "mst_"  # noqa: S105 - a marker that makes leaked tokens greppable


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong password."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify() -> None:
    """Spend a verification's time so unknown emails aren't told apart by timing."""
    verify_password(_DUMMY_HASH, "not the password")


def new_token() -> str:
    """A fresh bearer token: 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens carry 256 bits of entropy, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY_HASH = _hasher.hash("muster-dummy-password")

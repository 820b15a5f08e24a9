"""Password hashing with argon2id (argon2-cffi, RFC 9106 parameters).

``verify_password`` takes the same time whether or not the user exists: an unknown user
is checked against a dummy hash, so response times do not reveal valid usernames.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from narcowatch.errors import SecurityError

MIN_LENGTH = 8

_hasher = PasswordHasher()


def check_strength(password: str) -> None:
    """Reject passwords too short to resist guessing (the one rule NIST 800-63B insists on)."""
    if len(password) < MIN_LENGTH:
        raise SecurityError(
            f"password too short: at least {MIN_LENGTH} characters are needed", code="E502"
        )


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("narcowatch-dummy-password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; ``password_hash=None`` burns the same time and fails."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(password_hash)

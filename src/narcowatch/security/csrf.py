"""CSRF tokens.

Logged-in users: the token is stored with their server-side session and must come back in
the ``csrf_token`` form field or the ``X-CSRF-Token`` header (htmx). Anonymous visitors (the
login form): a signed double-submit cookie, compared with the form field.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeSerializer

COOKIE_NAME = "nw_csrf"
HEADER_NAME = "X-CSRF-Token"
FIELD_NAME = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SALT = "narcowatch.csrf"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; missing values never match."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def sign_cookie(token: str, key: str) -> str:
    return URLSafeSerializer(key, salt=_SALT).dumps(token)


def unsign_cookie(value: str | None, key: str) -> str | None:
    if not value:
        return None
    try:
        token = URLSafeSerializer(key, salt=_SALT).loads(value)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None

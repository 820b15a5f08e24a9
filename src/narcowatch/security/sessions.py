"""Server-side sessions behind a signed cookie.

The cookie carries a random token signed with itsdangerous (so forged cookies are refused
before any database lookup); the database keeps only the token's sha256, the user, the
session's CSRF token and an absolute expiry. Logout deletes the row, so a copied cookie
dies with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.orm import Session

from narcowatch.store.tables import UserRecord
from narcowatch.store.tables_security import WebSessionRecord

COOKIE_NAME = "nw_session"
TOUCH_INTERVAL = timedelta(minutes=1)
_SALT = "narcowatch.session"


@dataclass
class ActiveSession:
    record: WebSessionRecord
    user: UserRecord
    stale: bool = False  # read with ``write=False`` and its activity is due to be recorded


def _serializer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=_SALT)


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def start_session(session: Session, user: UserRecord, *, key: str, max_age: int) -> str:
    """Create a session for ``user``; returns the signed cookie value."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    session.add(
        WebSessionRecord(
            id=_token_id(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=max_age),
        )
    )
    session.flush()
    return _serializer(key).dumps(token)


def _unsign(cookie: str, key: str, max_age: int) -> str | None:
    try:
        token = _serializer(key).loads(cookie, max_age=max_age)
    except BadSignature:  # includes SignatureExpired
        return None
    return token if isinstance(token, str) else None


def load_session(
    session: Session, cookie: str, *, key: str, max_age: int, write: bool = True
) -> ActiveSession | None:
    """The live session and its active user for a cookie value, else None.

    ``write=False`` changes nothing (for a read-only transaction, which on SQLite does not
    take the write lock on every page view): an expired row is left for the next login's
    purge, and ``stale`` tells the caller that the activity time is due to be recorded."""
    token = _unsign(cookie, key, max_age)
    if token is None:
        return None
    rec = session.get(WebSessionRecord, _token_id(token))
    if rec is None:
        return None
    if _aware(rec.expires_at) <= datetime.now(UTC):
        if write:
            session.delete(rec)
        return None
    user = session.get(UserRecord, rec.user_id)
    if user is None or not user.active:
        return None
    now = datetime.now(UTC)
    if now - _aware(rec.last_seen_at) > TOUCH_INTERVAL:  # one write a minute, not per request
        if not write:
            return ActiveSession(record=rec, user=user, stale=True)
        rec.last_seen_at = now
    return ActiveSession(record=rec, user=user)


def end_session(session: Session, cookie: str, *, key: str, max_age: int) -> bool:
    """Delete the session behind ``cookie``; True when there was one."""
    token = _unsign(cookie, key, max_age)
    if token is None:
        return False
    result = session.execute(
        delete(WebSessionRecord).where(WebSessionRecord.id == _token_id(token))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def end_user_sessions(session: Session, user_id: str) -> int:
    result = session.execute(delete(WebSessionRecord).where(WebSessionRecord.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge_expired(session: Session) -> int:
    now = datetime.now(UTC)
    result = session.execute(delete(WebSessionRecord).where(WebSessionRecord.expires_at <= now))
    return int(result.rowcount)  # type: ignore[attr-defined]

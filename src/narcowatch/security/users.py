"""Analyst accounts: create, authenticate, change language, deactivate.

Usernames are case-insensitive (stored lower-cased). Every account change is audited.
"""

from __future__ import annotations

import regex
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from narcowatch.errors import SecurityError
from narcowatch.i18n import LANGS
from narcowatch.ids import make_id
from narcowatch.security import audit
from narcowatch.security.passwords import hash_password, needs_rehash, verify_password
from narcowatch.security.roles import check_role
from narcowatch.security.sessions import end_user_sessions
from narcowatch.store.tables import UserRecord

USERNAME = regex.compile(r"^[\p{L}\p{N}._@-]{2,100}$")


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise SecurityError(
            f"unknown language {lang!r} (known: {', '.join(LANGS)})", code="E504", lang=lang
        )
    return lang


def get_user(session: Session, username: str) -> UserRecord | None:
    return session.scalar(select(UserRecord).where(UserRecord.username == username.lower()))


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    lang: str = "ru",
    *,
    actor: str = "system",
) -> UserRecord:
    """Create an account with an argon2id password hash; the creation is audited."""
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise SecurityError(
            f"invalid username {username!r}: 2-100 letters, digits, '.', '_', '@' or '-'",
            code="E505",
        )
    check_role(role)
    check_lang(lang)
    exists = session.scalar(select(func.count()).where(UserRecord.username == name))
    if exists:
        raise SecurityError(f"user {name!r} already exists", code="E506", username=name)
    user = UserRecord(
        id=make_id("user", name),
        username=name,
        password_hash=hash_password(password),
        role=role,
        lang=lang,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.add",
        target_type="user",
        target_id=user.id,
        details={"username": name, "role": role},
    )
    return user


def authenticate(session: Session, username: str, password: str) -> UserRecord | None:
    """The active user whose password matches, else None (in constant time either way)."""
    user = get_user(session, username.strip())
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_lang(session: Session, user: UserRecord, lang: str) -> None:
    user.lang = check_lang(lang)


def set_password(session: Session, user: UserRecord, password: str, *, actor: str) -> None:
    user.password_hash = hash_password(password)
    audit.record(
        session, actor=actor, action="user.password", target_type="user", target_id=user.id
    )


def list_users(session: Session) -> list[UserRecord]:
    return list(session.scalars(select(UserRecord).order_by(UserRecord.username)))


def set_active(session: Session, user: UserRecord, active: bool, *, actor: str) -> None:
    """Deactivating an account ends its sessions at once."""
    if user.active == active:
        return
    user.active = active
    if not active:
        end_user_sessions(session, user.id)
    audit.record(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        target_type="user",
        target_id=user.id,
    )

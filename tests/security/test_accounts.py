"""Passwords, users, roles, secret keys and server-side sessions."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from narcowatch.errors import SecurityError
from narcowatch.runtime import Runtime
from narcowatch.security import audit
from narcowatch.security.keys import ensure_key_file, secret_key
from narcowatch.security.passwords import hash_password, verify_password
from narcowatch.security.ratelimit import LoginThrottle
from narcowatch.security.roles import has_role
from narcowatch.security.sessions import end_session, load_session, start_session
from narcowatch.security.users import add_user, authenticate, set_active
from narcowatch.settings import Settings
from narcowatch.store.tables import UserRecord

PASSWORD = "correct horse battery"


def test_password_hashes_are_argon2id_and_salted() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, PASSWORD)
    assert not verify_password(first, PASSWORD + "!")
    assert not verify_password("not a hash", PASSWORD)
    with pytest.raises(SecurityError) as err:
        hash_password("short")
    assert err.value.code == "E502"


def test_unknown_user_costs_as_much_as_a_wrong_password() -> None:
    stored = hash_password(PASSWORD)
    timings = {}
    for name, stored_hash in (("known", stored), ("unknown", None)):
        started = time.perf_counter()
        assert not verify_password(stored_hash, "wrong password")
        timings[name] = time.perf_counter() - started
    # Both run a full argon2 verification; without the dummy hash "unknown" would be ~0.
    assert timings["unknown"] > timings["known"] * 0.3


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        ("analyst", "analyst", True),
        ("analyst", "supervisor", False),
        ("supervisor", "analyst", True),
        ("supervisor", "admin", False),
        ("admin", "supervisor", True),
        ("intruder", "analyst", False),
    ],
)
def test_role_order(role: str, needed: str, allowed: bool) -> None:
    assert has_role(role, needed) is allowed


def test_add_and_authenticate_users(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as session:
        user = add_user(session, "Anna.K", PASSWORD, "supervisor", "kk", actor="cli")
        assert (user.username, user.role, user.lang) == ("anna.k", "supervisor", "kk")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with any_runtime.db.session() as session:
        assert authenticate(session, "ANNA.K", PASSWORD) is not None
        assert authenticate(session, "anna.k", "wrong password") is None
        assert authenticate(session, "nobody", PASSWORD) is None
        (entry,) = audit.list_entries(session)
        assert (entry.actor, entry.action, entry.details) == (
            "cli",
            "user.add",
            {"username": "anna.k", "role": "supervisor"},
        )


@pytest.mark.parametrize(
    ("username", "role", "lang", "code"),
    [
        ("anna", "analyst", "ru", "E506"),  # already exists
        ("x", "analyst", "ru", "E505"),  # too short
        ("bad name", "analyst", "ru", "E505"),
        ("boris", "superuser", "ru", "E501"),
        ("boris", "analyst", "de", "E504"),
    ],
)
def test_bad_accounts_are_refused(
    runtime: Runtime, username: str, role: str, lang: str, code: str
) -> None:
    with runtime.db.session() as session:
        add_user(session, "anna", PASSWORD, "analyst")
    with pytest.raises(SecurityError) as err, runtime.db.session() as session:
        add_user(session, username, PASSWORD, role, lang)
    assert err.value.code == code
    with runtime.db.session() as session:
        assert session.scalars(select(UserRecord.username)).all() == ["anna"]


def test_inactive_users_cannot_log_in(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        user = add_user(session, "anna", PASSWORD, "analyst")
        set_active(session, user, False, actor="admin")
    with runtime.db.session() as session:
        assert authenticate(session, "anna", PASSWORD) is None


def test_sessions_expire_and_end(runtime: Runtime) -> None:
    with runtime.db.session() as session:
        user = add_user(session, "anna", PASSWORD, "analyst")
        cookie = start_session(session, user, key="k" * 32, max_age=3600)
        short = start_session(session, user, key="k" * 32, max_age=1)
    with runtime.db.session() as session:
        active = load_session(session, cookie, key="k" * 32, max_age=3600)
        assert active is not None and active.user.username == "anna"
        assert len(active.record.csrf_token) >= 32
        assert load_session(session, cookie, key="another key", max_age=3600) is None
        assert load_session(session, cookie + "x", key="k" * 32, max_age=3600) is None
    time.sleep(2.1)
    with runtime.db.session() as session:
        assert load_session(session, short, key="k" * 32, max_age=1) is None
        assert end_session(session, cookie, key="k" * 32, max_age=3600)
    with runtime.db.session() as session:
        assert load_session(session, cookie, key="k" * 32, max_age=3600) is None


def test_read_only_load_changes_nothing_and_says_when_to_touch(runtime: Runtime) -> None:
    """Page views read the session without a write (``write=False``); the caller records
    the activity when ``stale`` says it is due."""
    from datetime import UTC, datetime, timedelta

    from narcowatch.store.tables_security import WebSessionRecord

    with runtime.db.session() as session:
        user = add_user(session, "anna", PASSWORD, "analyst")
        cookie = start_session(session, user, key="k" * 32, max_age=3600)
    with runtime.db.session(readonly=True) as session:
        active = load_session(session, cookie, key="k" * 32, max_age=3600, write=False)
        assert active is not None and not active.stale  # just touched at the start
        old = datetime.now(UTC) - timedelta(minutes=5)
        active.record.last_seen_at = old
        session.flush()
        stale = load_session(session, cookie, key="k" * 32, max_age=3600, write=False)
        assert stale is not None and stale.stale
        assert stale.record.last_seen_at == old  # not written
        stale.record.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.flush()
        assert load_session(session, cookie, key="k" * 32, max_age=3600, write=False) is None
        assert session.get(WebSessionRecord, stale.record.id) is not None  # left for the purge


def test_generated_secret_key_is_private_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = secret_key(settings)
    path = tmp_path / "data" / "secret_key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(first) >= 40 and secret_key(settings) == first
    assert secret_key(Settings(data_dir=tmp_path, secret_key="configured")) == "configured"


def test_truncated_key_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("short")
    os.chmod(path, 0o600)
    with pytest.raises(SecurityError) as err:
        ensure_key_file(path)
    assert err.value.code == "E503"


def test_throttle_window() -> None:
    throttle = LoginThrottle(limit=2, window=0.3)
    throttle.fail("user:anna", "ip:1")
    assert not throttle.blocked("user:anna")
    throttle.fail("user:anna", "ip:1")
    assert throttle.blocked("user:anna") and throttle.blocked("ip:1")
    assert not throttle.blocked("user:boris")
    time.sleep(0.35)
    assert not throttle.blocked("user:anna", "ip:1")
    throttle.fail("user:anna")
    throttle.fail("user:anna")
    throttle.reset("user:anna")
    assert not throttle.blocked("user:anna")

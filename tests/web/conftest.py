"""Fixtures for the web tests: an app over a real SQLite (or PostgreSQL) runtime, users,
a login helper and a factory that stores detections with known scores, languages and spans."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from narcowatch.api.app import create_app
from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.security import passwords
from narcowatch.security.users import add_user
from narcowatch.store.indicators import save_indicators
from narcowatch.store.tables import DetectionRecord, DocumentRecord, ItemRecord, SourceRecord

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Real argon2id with the lowest cost: these tests are about the web, not the hash
    (tests/security keeps the production parameters)."""
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return create_app(runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["accept"] = "text/html"
        yield c


@pytest.fixture
def make_user(runtime: Runtime) -> Callable[..., str]:
    def make(username: str, role: str = "analyst", lang: str = "en") -> str:
        with runtime.db.session() as session:
            add_user(session, username, PASSWORD, role, lang)
        return username

    return make


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, next: str = "") -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_from(page.text),
            "next": next,
        },
        follow_redirects=False,
    )


@pytest.fixture
def logged_in(client: TestClient, make_user: Callable[..., str]) -> Callable[..., TestClient]:
    """Log ``client`` in as a new user with ``role``; returns the client."""

    def as_role(role: str = "analyst", username: str | None = None) -> TestClient:
        name = make_user(username or f"{role}1", role)
        response = login(client, name)
        assert response.status_code == 303, response.text
        return client

    return as_role


def page_csrf(client: TestClient, path: str = "/review") -> str:
    return csrf_from(client.get(path).text)


@pytest.fixture
def add_detection(runtime: Runtime) -> Callable[..., str]:
    """Store a source, an item, its document, a detection and indicator mentions."""
    counter = iter(range(1, 10_000))

    def add(
        text: str = "закладки мефедрон @shop_bot",
        *,
        score: float = 0.9,
        priority: int = 0,
        lang: str = "ru",
        source: str = "Channel A",
        status: str = "new",
        queued: bool = True,
        reasons: list[dict[str, Any]] | None = None,
        indicators: list[tuple[str, str, int, int]] = (),  # type: ignore[assignment]
        author: str | None = "@seller",
        url: str | None = "https://t.me/channel_a/1",
        published_at: datetime | None = None,
    ) -> str:
        n = next(counter)
        with runtime.db.session() as session:
            sid = make_id("source", "test", source)
            if session.get(SourceRecord, sid) is None:
                session.add(SourceRecord(id=sid, kind="test", name=source))
                session.flush()
            item = ItemRecord(
                id=make_id("item", sid, n),
                source_id=sid,
                external_id=str(n),
                url=url,
                author=author,
                text=text,
                blob_sha256="0" * 64,
                published_at=published_at or datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=n),
                status="done",
            )
            session.add(item)
            session.flush()
            session.add(
                DocumentRecord(
                    id=item.id, text=text, folded=text.casefold(), lang=lang, normalizer="t"
                )
            )
            det = DetectionRecord(
                id=make_id("detection", item.id, "test.v1"),
                item_id=item.id,
                classifier="test.v1",
                label=1,
                score=score,
                reasons=reasons if reasons is not None else [],
                status=status,
                queued=queued,
                priority=priority,
            )
            session.add(det)
            hits = [
                Indicator(type=t, value=v, raw=text[s:e], start=s, end=e, extractor="test.v1")
                for t, v, s, e in indicators
            ]
            save_indicators(session, item, hits)
            return det.id

    return add

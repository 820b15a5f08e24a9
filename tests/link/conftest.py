"""Fixtures for the shops tests: positive items with indicators in a real store, and a
logged-in analyst on the real app (same login flow as tests/web)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from narcowatch.api.app import create_app
from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.security import passwords
from narcowatch.security.users import add_user
from narcowatch.store.indicators import save_indicators
from narcowatch.store.tables import DetectionRecord, ItemRecord, SourceRecord

PASSWORD = "correct horse battery"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def add_item(
    session,  # type: ignore[no-untyped-def]
    n: int,
    text: str,
    indicators: list[tuple[str, str]],
    *,
    source: str = "Channel A",
    label: int = 1,
    at: datetime | None = None,
    meta: dict | None = None,  # type: ignore[type-arg]
) -> ItemRecord:
    sid = make_id("source", "test", source)
    if session.get(SourceRecord, sid) is None:
        session.add(SourceRecord(id=sid, kind="telegram", name=source))
        session.flush()
    item = ItemRecord(
        id=make_id("item", "t", n),
        source_id=sid,
        external_id=str(n),
        url=f"https://t.me/{source.replace(' ', '_').lower()}/{n}",
        author="@seller",
        text=text,
        blob_sha256="0" * 64,
        published_at=at or T0 + timedelta(hours=n),
        status="done",
        meta=meta or {},
    )
    session.add(item)
    session.flush()
    session.add(
        DetectionRecord(
            id=make_id("detection", item.id, "test.v1"),
            item_id=item.id,
            classifier="test.v1",
            label=label,
            score=0.9 if label else 0.1,
            reasons=[],
            status="new",
            queued=True,
            priority=0,
        )
    )
    hits = []
    for t, v in indicators:
        start = max(text.find(v), 0)
        hits.append(
            Indicator(type=t, value=v, raw=v, start=start, end=start + len(v), extractor="test")
        )
    save_indicators(session, item, hits)
    item.hits = hits  # type: ignore[attr-defined]
    return item


@pytest.fixture
def item_factory() -> Callable[..., ItemRecord]:
    return add_item


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


@pytest.fixture
def analyst(any_runtime: Runtime) -> Iterator[TestClient]:
    """A TestClient logged in as an analyst over ``any_runtime``."""
    with any_runtime.db.session() as session:
        add_user(session, "ana", PASSWORD, "analyst", "en")
    with TestClient(create_app(any_runtime), base_url="http://testserver") as client:
        client.headers["accept"] = "text/html"
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"username": "ana", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        yield client

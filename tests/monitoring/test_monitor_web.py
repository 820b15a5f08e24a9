"""The monitoring page (health, candidates, approve/reject, crawl now) and /metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from narcowatch.api.app import create_app
from narcowatch.ingest.crawl import add_source, crawl_source
from narcowatch.ingest.discovery import DiscoveryStage
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.stages import default_stages
from narcowatch.runtime import Runtime
from narcowatch.security import passwords
from narcowatch.security.users import add_user
from narcowatch.store.tables import AuditRecord, JobRecord, SourceRecord
from narcowatch.store.tables_monitoring import CandidateSourceRecord
from tests.fakes.fixture_web import FixtureWeb
from tests.web.conftest import csrf_from, login

PASSWORD = "correct horse battery"


@pytest.fixture
def client(lite_rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()
    with lite_rt.db.session() as s:
        add_user(s, "anna", PASSWORD, "analyst", "ru")
    with TestClient(create_app(lite_rt), base_url="http://testserver") as c:
        c.headers["accept"] = "text/html"
        yield c
    passwords._dummy_hash.cache_clear()


def test_page_shows_health_and_decides_candidates(
    lite_rt: Runtime, web: FixtureWeb, client: TestClient
) -> None:
    lite_rt.settings.telegram_web_base = f"{web.base}/tg"
    sid = add_source(lite_rt, "telegram_web", "shop_channel")
    crawl_source(lite_rt, sid)
    bad = add_source(lite_rt, "web", f"{web.base}/site/err500")
    crawl_source(lite_rt, bad)
    Runner(lite_rt.db, lite_rt.settings, [*default_stages(), DiscoveryStage()]).run()
    assert client.get("/monitor", follow_redirects=False).status_code in (303, 401, 403)
    assert login(client, "anna").status_code == 303
    page = client.get("/monitor")
    assert page.status_code == 200
    assert "shop_channel" in page.text and "http_500" in page.text
    assert "с ошибками страниц" in page.text  # degraded, in Russian
    assert "https://t.me/shop_op4" in page.text
    with lite_rt.db.session() as s:
        cand = s.scalars(
            select(CandidateSourceRecord).where(CandidateSourceRecord.name == "shop_op4")
        ).one()
        cid = cand.id
    token = csrf_from(page.text)
    r = client.post(
        f"/monitor/candidates/{cid}",
        data={"decision": "approve", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/monitor/sources/{sid}/crawl", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    forged = client.post(
        f"/monitor/sources/{sid}/crawl", data={"csrf_token": "x"}, follow_redirects=False
    )
    assert forged.status_code == 403
    with lite_rt.db.session() as s:
        assert s.get(CandidateSourceRecord, cid).status == "approved"  # type: ignore[union-attr]
        assert s.scalars(select(SourceRecord).where(SourceRecord.name == "shop_op4")).one()
        assert s.scalars(select(JobRecord).where(JobRecord.kind == "monitor.crawl")).all()
        actions = {a.action for a in s.scalars(select(AuditRecord))}
    assert {"monitor.candidate.approve", "monitor.crawl"} <= actions


def test_metrics(lite_rt: Runtime, web: FixtureWeb, client: TestClient) -> None:
    lite_rt.settings.telegram_web_base = f"{web.base}/tg"
    crawl_source(lite_rt, add_source(lite_rt, "telegram_web", "shop_channel"))
    body = client.get("/metrics").text
    assert 'narcowatch_source_items_total{kind="telegram_web",source="shop_channel"} 65.0' in body
    assert (
        'narcowatch_source_health{health="ok",kind="telegram_web",source="shop_channel"} 1.0'
        in body
    )
    assert 'narcowatch_stage_events_total{key="new",stage="ingest"} 65.0' in body
    lite_rt.settings.metrics_token = "s3cret"
    assert client.get("/metrics").status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200 and "narcowatch_jobs" in ok.text

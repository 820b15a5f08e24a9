"""The public report form and status page, and the analysts' list, map data and stats."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from narcowatch.api.app import create_app
from narcowatch.reports.images import gps_exif, read_gps
from narcowatch.runtime import Runtime
from narcowatch.security import passwords
from narcowatch.security.users import add_user
from narcowatch.store.tables import AuditRecord, ReportRecord

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest.fixture
def client(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()
    with TestClient(create_app(runtime), base_url="http://testserver") as c:
        c.headers["accept"] = "text/html"
        yield c
    passwords._dummy_hash.cache_clear()


def photo_with_identity() -> bytes:
    exif = gps_exif(43.2567, 76.9286)
    exif[0x013B] = "Owner Secret-Name"
    buf = io.BytesIO()
    Image.new("RGB", (50, 40), "purple").save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def submit(client: TestClient, data: dict[str, str], files: list | None = None):  # type: ignore[no-untyped-def]
    page = client.get("/report?c=ALA-2")
    assert page.status_code == 200
    form = {
        "csrf_token": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
        "token": TOKEN.search(page.text).group(1),
        "campaign": "ALA-2",
    }  # type: ignore[union-attr]
    form.update(data)
    return client.post("/report", data=form, files=files or [], follow_redirects=False)


def test_anonymous_web_report_with_photo(client: TestClient, runtime: Runtime) -> None:
    answer = submit(
        client,
        {
            "kind": "photo",
            "text": "надпись на стене у остановки",
            "links": "@stena_shop\nhttps://stena.example/",
            "gps": "true",
        },
        files=[("photos", ("p.jpg", photo_with_identity(), "image/jpeg"))],
    )
    assert answer.status_code == 303, answer.text
    status = client.get(answer.headers["location"])
    number = re.search(r"NW-[0-9A-Z]{4}-[0-9A-Z]{4}", status.text).group(0)  # type: ignore[union-attr]
    assert 'data-status="received"' in status.text
    with runtime.db.session() as s:
        rec = s.scalar(select(ReportRecord).where(ReportRecord.number == number))
        assert rec is not None
        assert (rec.channel, rec.kind, rec.campaign) == ("web", "photo", "ALA-2")
        assert (rec.lat, rec.lon) == (43.2567, 76.9286)  # from the photo, with consent
        data = runtime.blobs.get(rec.blobs[0]["sha256"])
        assert b"Secret-Name" not in data and read_gps(Image.open(io.BytesIO(data)))
        assert "testclient" not in repr([getattr(rec, c.name) for c in rec.__table__.columns])
    wrong = client.get(f"/report/status?number={number}&code=AAAAAAAAAA")
    assert "data-status" not in wrong.text and "не найдено" in wrong.text


def test_refusals_double_submit_and_flood(client: TestClient, runtime: Runtime) -> None:
    bad = submit(
        client, {"kind": "photo"}, files=[("photos", ("x.jpg", b"%PDF-1.5 nope", "image/jpeg"))]
    )
    assert bad.status_code == 400 and "не является изображением" in bad.text
    assert submit(client, {"kind": "den", "text": ""}).status_code == 400
    page = client.get("/report")
    form = {
        "csrf_token": CSRF.search(page.text).group(1),
        "token": "same-token",  # type: ignore[union-attr]
        "kind": "den",
        "text": "flat 12, people all night",
    }
    first = client.post("/report", data=form, follow_redirects=False)
    second = client.post("/report", data=form, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    no_csrf = client.post("/report", data={**form, "csrf_token": "x"}, follow_redirects=False)
    assert no_csrf.status_code == 403
    statuses = [submit(client, {"kind": "other", "text": f"n{n}"}).status_code for n in range(8)]
    assert statuses[-1] == 429 and 303 in statuses
    with runtime.db.session() as s:
        assert len(s.scalars(select(ReportRecord.id).where(ReportRecord.kind == "den")).all()) == 1


def test_analysts_list_status_map_and_stats(client: TestClient, runtime: Runtime) -> None:
    submit(client, {"kind": "stash", "text": "клад у гаражей", "lat": "43.25", "lon": "76.95"})
    assert client.get("/reports", follow_redirects=False).status_code in (303, 401)
    with runtime.db.session() as s:
        add_user(s, "analyst1", "correct horse battery", "analyst", "en")
    login = client.get("/login")
    client.post(
        "/login",
        data={
            "username": "analyst1",
            "password": "correct horse battery",
            "csrf_token": CSRF.search(login.text).group(1),
        },
    )  # type: ignore[union-attr]
    page = client.get("/reports?kind=stash")
    assert page.status_code == 200 and "клад у гаражей" in page.text
    with runtime.db.session() as s:
        rec = s.scalar(select(ReportRecord).where(ReportRecord.kind == "stash"))
        assert rec is not None
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    done = client.post(
        f"/reports/{rec.id}/status",
        data={"status": "checking", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with runtime.db.session() as s:
        assert s.get(ReportRecord, rec.id).status == "checking"  # type: ignore[union-attr]
        assert s.scalar(select(AuditRecord).where(AuditRecord.action == "report.status"))
    points = client.get("/reports/map.json").json()
    assert [(p["lat"], p["lon"]) for p in points] == [(43.25, 76.95)]
    assert "leaflet.js" in client.get("/reports/map").text
    stats = client.get("/reports/stats")
    assert stats.status_code == 200 and 'id="stat-total">1<' in stats.text

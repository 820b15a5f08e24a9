"""Case pages through the real app: roles, CSRF, capture, custody view, requests, exports."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from narcowatch.api.app import create_app
from narcowatch.cases.custody import custody_entries
from narcowatch.cases.jobs import run_due_jobs
from narcowatch.runtime import Runtime
from narcowatch.security import passwords
from narcowatch.security.users import add_user
from tests.cases.factories import make_item

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(case_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()
    with case_runtime.db.session() as s:
        add_user(s, "ana", PASSWORD, "analyst", "ru")
        add_user(s, "sup", PASSWORD, "supervisor", "kk")
    with TestClient(create_app(case_runtime), base_url="http://testserver") as c:
        c.headers["accept"] = "text/html"
        yield c
    passwords._dummy_hash.cache_clear()


def login(client: TestClient, username: str) -> str:
    token = CSRF.search(client.get("/login").text).group(1)
    res = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": ""},
        follow_redirects=False,
    )
    assert res.status_code == 303, res.text
    return CSRF.search(client.get("/cases").text).group(1)


def test_pages_need_login(client: TestClient) -> None:
    for path in ("/cases", "/blocking", "/evidence/x"):
        assert client.get(path, follow_redirects=False).status_code == 303


@pytest.mark.browser
def test_case_capture_request_flow(client: TestClient, case_runtime: Runtime, site) -> None:
    token = login(client, "ana")
    assert client.post("/cases", data={"title": "Снег"}).status_code == 403  # no CSRF token
    res = client.post("/cases", data={"title": "Снег", "csrf_token": token}, follow_redirects=False)
    case_url = res.headers["location"]
    assert "Снег" in client.get("/cases").text

    with case_runtime.db.session() as s:
        item = make_item(s, "w1", url=site.url("/shop"))
    client.post(
        f"{case_url}/attach", data={"ref_type": "item", "value": item.id, "csrf_token": token}
    )
    client.post(f"{case_url}/note", data={"value": "Проверено", "csrf_token": token})
    cap = client.post(
        f"{case_url}/capture",
        data={"value": site.url("/shop"), "csrf_token": token},
        follow_redirects=False,
    )
    ev_url = cap.headers["location"]
    ev_id = ev_url.rsplit("/", 1)[1]
    queued = client.get(ev_url).text  # the request only queues the capture...
    assert 'data-job="queued"' in queued and 'http-equiv="refresh"' in queued
    assert [status for _, status in run_due_jobs(case_runtime)] == ["done"]  # ...a worker runs it
    page = client.get(ev_url).text
    assert "data-job=" not in page and 'http-equiv="refresh"' not in page
    assert 'data-custody="intact"' in page and "main.screenshot.png" in page
    shot = client.get(f"{ev_url}/artefact/main.screenshot.png")
    assert (
        shot.content.startswith(b"\x89PNG") and "attachment" in shot.headers["content-disposition"]
    )
    with case_runtime.db.session() as s:
        actions = [e["action"] for e in custody_entries(s, ev_id)]
    assert actions == ["captured", "timestamped", "viewed", "viewed"]
    detail = client.get(case_url).text
    assert "Проверено" in detail and ev_id in detail
    assert f'item <span class="break">{site.url("/shop")}</span>' in detail

    req = client.post(
        f"{case_url}/request",
        data={"category": "drug_sale", "ground": "cc_299_1", "csrf_token": token},
        follow_redirects=False,
    )
    req_url = req.headers["location"]
    assert req_url.startswith("/blocking/")
    assert (
        client.post(f"{req_url}/status", data={"status": "sent", "csrf_token": token}).status_code
        == 403
    )
    xlsx = client.get(f"{req_url}/export.xlsx?lang=kk")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == site.url("/shop") and ev_id in rows[1][5]
    assert client.get(f"{req_url}/export.pdf").content.startswith(b"%PDF")

    client.post("/logout", data={"csrf_token": token})
    token = login(client, "sup")
    res = client.post(
        f"{req_url}/status", data={"status": "sent", "csrf_token": token}, follow_redirects=False
    )
    assert res.status_code == 303
    assert 'data-status="sent"' in client.get(req_url).text
    assert 'data-status="request_sent"' in client.get(case_url).text
    pkg = client.post(f"{ev_url}/package", data={"handed_to": "прокурор", "csrf_token": token})
    assert pkg.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(pkg.content)).namelist()
    assert "report.pdf" in names and f"evidence/{ev_id}/timestamp.tsr" in names
    assert "Бұғаттау" in client.get("/blocking").text  # supervisor reads Kazakh


def test_case_from_detection(client: TestClient, case_runtime: Runtime) -> None:
    from narcowatch.ids import make_id

    with case_runtime.db.session() as s:
        item = make_item(s, "d1", url="https://t.me/snow/1", indicators=[("phone", "+77011112233")])
    token = login(client, "ana")
    url = f"/cases/from/detection/{make_id('det', item.id)}"
    res = client.post(url, data={"csrf_token": token}, follow_redirects=False)
    case_url = res.headers["location"]
    assert case_url.startswith("/cases/") and "error" not in case_url
    again = client.post(url, data={"csrf_token": token}, follow_redirects=False)
    assert again.headers["location"] == case_url
    page = client.get(case_url).text
    assert "detection" in page and "indicator" in page
    bad = client.post("/cases/from/detection/nope", data={"csrf_token": token})
    assert "E904" in bad.text


def test_bad_case_action_shows_coded_error(client: TestClient) -> None:
    token = login(client, "ana")
    res = client.post("/cases", data={"title": "x", "csrf_token": token}, follow_redirects=False)
    case_url = res.headers["location"]
    bad = client.post(f"{case_url}/status", data={"value": "blocked", "csrf_token": token})
    assert "E902" in bad.text
    assert client.get("/cases/nope").status_code == 404


@pytest.mark.browser
def test_failed_capture_is_retried_by_the_queue_and_shown(
    client: TestClient, case_runtime: Runtime
) -> None:
    token = login(client, "ana")
    new = {"title": "Mirror", "csrf_token": token}
    res = client.post("/cases", data=new, follow_redirects=False)
    cap = client.post(
        f"{res.headers['location']}/capture",
        data={"value": "http://10.0.0.5/shop", "csrf_token": token},  # refused: internal address
        follow_redirects=False,
    )
    ev_url = cap.headers["location"]
    assert [status for _, status in run_due_jobs(case_runtime)] == ["queued"]  # back-off retry
    page = client.get(ev_url).text
    assert 'data-job="queued"' in page and "E913" in page and 'data-status="failed"' in page
    assert 'action="' + ev_url + '/retry"' not in page  # a retry is already queued
    assert run_due_jobs(case_runtime) == []  # not due yet
    with case_runtime.db.session() as s:
        assert custody_entries(s, ev_url.rsplit("/", 1)[1]) == []  # nothing captured or viewed

"""The trace pages: run from the form, flow graph data, Sankey summary, reports, tagging;
and in a real browser (Chromium) that Cytoscape.js draws the graph under the strict CSP."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from narcowatch.api.app import create_app
from narcowatch.runtime import Runtime
from narcowatch.security.users import add_user
from narcowatch.settings import Settings
from narcowatch.trace.importing import import_file
from narcowatch.trace.store import TransferStore
from narcowatch.trace.tags import add_tag
from tests.fakes.live import CHROMIUM, CHROMIUM_ARGS, serve_ui
from tests.trace.conftest import SMALL_GRAPH, addr, write_plain_csv

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _seed(rt: Runtime, tmp_path: Path) -> None:
    import_file(
        TransferStore.for_data_dir(rt.settings.data_dir),
        write_plain_csv(tmp_path / "t.csv", SMALL_GRAPH),
    )
    with rt.db.session() as s:
        add_user(s, "anna", PASSWORD, "analyst", "en")
        add_tag(
            s,
            chain="tron",
            address=addr("X"),
            label="Exchange X",
            category="exchange",
            source="reply 12",
            confidence=90,
            created_by="test",
        )


def _login(client: TestClient) -> str:
    page = client.get("/login")
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    client.post(
        "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": token, "next": ""},
        follow_redirects=False,
    )
    return CSRF.search(client.get("/trace").text).group(1)  # type: ignore[union-attr]


def test_trace_page_flow(runtime: Runtime, tmp_path: Path) -> None:
    _seed(runtime, tmp_path)
    with TestClient(create_app(runtime), base_url="http://testserver") as client:
        client.headers["accept"] = "text/html"
        assert client.get("/trace", follow_redirects=False).status_code in (302, 303, 307)
        token = _login(client)
        bad = client.post("/trace", data={"seeds": addr("X"), "csrf_token": token})
        assert bad.status_code == 400 and "E831" in bad.text
        done = client.post(
            "/trace",
            data={"seeds": addr("S"), "model": "haircut", "hops": "4", "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        page = client.get(done.headers["location"])
        assert page.status_code == 200
        assert "Exchange X" in page.text and addr("X") in page.text
        graph = json.loads(re.search(r'id="trace-data">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
        assert {n["data"]["role"] for n in graph["nodes"]} >= {"seed", "cashout"}
        assert any(e["data"]["target"] == addr("X") for e in graph["edges"])
        assert '<svg class="sankey"' in page.text and "(100.0%)" in page.text
        pdf = client.get(done.headers["location"] + "/report.pdf")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        html = client.get(done.headers["location"] + "/report.html")
        assert "Exchange X" in html.text
        tagged = client.post(
            "/trace/tags",
            data={
                "address": addr("B"),
                "label": "Mule B",
                "category": "dropper",
                "source": "bank reply",
                "confidence": "70",
                "back": done.headers["location"],
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert tagged.status_code == 303
        no_csrf = client.post(
            "/trace/tags",
            data={"address": addr("B"), "label": "x", "category": "shop", "source": "s"},
        )
        assert no_csrf.status_code in (400, 403)
        listing = client.get("/trace")
        assert "haircut" in listing.text


@pytest.mark.browser
def test_graph_draws_in_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    pw_sync = pytest.importorskip("playwright.sync_api")
    data_dir = tmp_path / "data"
    rt = Runtime.open(Settings(data_dir=data_dir))
    try:
        _seed(rt, tmp_path)
    finally:
        rt.close()
    with (
        serve_ui(data_dir, Path(__file__).resolve().parents[2]) as url,
        pw_sync.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on(
            "console",
            lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
        )
        page.goto(url + "/login?next=/trace")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action^='/login'] button[type=submit]")
        page.wait_for_url(url + "/trace")
        page.fill("textarea[name=seeds]", addr("S"))
        page.click("form[action='/trace'] button[type=submit]")
        page.wait_for_url(re.compile(r".*/trace/runs/\w+$"))
        page.wait_for_selector("#trace-graph[data-nodes]", timeout=20_000)
        graph = page.locator("#trace-graph")
        assert int(graph.get_attribute("data-nodes") or 0) >= 4
        assert int(graph.get_attribute("data-edges") or 0) >= 3
        assert page.locator("#trace-graph canvas").count() > 0
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()

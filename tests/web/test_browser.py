"""Acceptance: a real server, a real browser, the real pipeline's detections.

`narcowatch serve` runs on a free port of 127.0.0.1 over a data directory filled by the
pipeline (ingest -> normalize -> classify -> extract -> link -> queue); Debian's Chromium,
driven by Playwright, logs in, opens the queue, confirms a detection with the keyboard,
and a supervisor checks the audit log, in the page and with ``audit.verify``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from narcowatch.ingest.files import open_source
from narcowatch.pipeline.intake import ingest_source
from narcowatch.pipeline.runner import Runner
from narcowatch.runtime import Runtime
from narcowatch.security import audit
from narcowatch.security.users import add_user
from narcowatch.settings import Settings
from narcowatch.store.tables import DetectionRecord
from tests.fakes.live import CHROMIUM, CHROMIUM_ARGS, serve_ui

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct horse battery"
POSTS = [
    {
        "id": "101",
        "author": "Almaty Shop",
        "date": "2026-11-01T10:00:00",
        "text": "Закладки в Алматы 24/7! Мефедрон, шишки, кристаллы. Пиши @almaty_shop_bot, "
        "оплата USDT. Тел +7 701 234 5678",
    },
    {
        "id": "102",
        "date": "2026-11-02T11:30:00",
        "text": "Работа закладчиком, 5000 тг за клад, пиши @rabota_kladmen",
    },
    {
        "id": "103",
        "date": "2026-11-03T09:15:00",
        "text": "Полиция Алматы задержала сбытчика наркотиков, изъято 2 кг",
    },
    {
        "id": "104",
        "date": "2026-11-04T18:45:00",
        "text": "Mephedrone and weed delivery in Astana, stash drop, DM t.me/astana_drops",
    },
    {
        "id": "105",
        "date": "2026-11-05T21:05:00",
        "text": "Алматыда закладка бар, гашиш сатамыз, жазыңыз @kz_shop <script>alert(1)</script>",
    },
]


@dataclass
class Served:
    url: str
    settings: Settings
    queued: int


def _seed(settings: Settings, tmp_path: Path) -> int:
    """Run the pipeline over POSTS and add two users; returns the number of queued detections."""
    posts = tmp_path / "channel.jsonl"
    posts.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in POSTS), "utf-8")
    rt = Runtime.open(settings)
    try:
        ingest_source(rt.db, rt.blobs, open_source(posts, name="Алматы закладки"))
        Runner(rt.db, settings).run()
        with rt.db.session() as session:
            add_user(session, "anna", PASSWORD, "analyst", "en")
            add_user(session, "sofia", PASSWORD, "supervisor", "en")
            queued = len(
                session.scalars(select(DetectionRecord.id).where(DetectionRecord.queued)).all()
            )
    finally:
        rt.close()
    assert queued >= 3, "the pipeline should queue the obvious shop posts"
    return queued


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)  # no secret_key: the server generates one
    queued = _seed(settings, tmp_path)
    with serve_ui(data_dir, tmp_path) as url:
        yield Served(url=url, settings=settings, queued=queued)


def test_login_review_confirm_and_audit(served: Served, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on(
                "response",
                lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )

            page.goto(served.url + "/review")
            expect(page).to_have_url(f"{served.url}/login?next=/review")
            page.fill("input[name=username]", "anna")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit].btn-primary")
            expect(page).to_have_url(f"{served.url}/review")
            rows = page.locator("table.queue tbody tr")
            expect(rows).to_have_count(served.queued)  # what the pipeline queued, best first
            page.screenshot(path=str(shots / "queue.png"), full_page=True)

            # Keyboard: j selects the first row, Enter opens it.
            page.keyboard.press("j")
            expect(rows.first).to_have_class("selected")
            page.keyboard.press("Enter")
            expect(page.locator(".post-text")).to_be_visible()
            detection_id = page.url.split("/review/")[1].split("?")[0]
            expect(page.locator(".post-text mark.hl-reason").first).to_be_visible()
            expect(page.locator(".post-text mark.hl-ind").first).to_be_visible()
            page.screenshot(path=str(shots / "detail.png"), full_page=True)

            # "c" confirms and moves on to the next pending detection.
            page.keyboard.press("c")
            expect(page).not_to_have_url(
                f"{served.url}/review/{detection_id}?status=new&sort=score"
            )
            expect(page.locator(".post-text")).to_be_visible()

            # The script in the last post is shown as text, never run.
            page.goto(served.url + "/review?status=")
            expect(page.locator("table.queue")).to_contain_text("<script>alert(1)</script>")

            page.click("button:has-text('Log out')")
            expect(page).to_have_url(f"{served.url}/login")
            # The language switch is a boosted form: its CSRF token must be the new one.
            page.click("form.langs button[value=ru]")
            expect(page.locator("h1")).to_have_text("Вход")
            page.fill("input[name=username]", "sofia")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit].btn-primary")
            page.click("nav.mainnav a[href='/audit']")
            expect(page).to_have_url(f"{served.url}/audit")
            table = page.locator("table.audit")
            expect(table).to_contain_text("detection.confirmed")
            expect(table).to_contain_text(detection_id[:12])
            page.click("text=Verify chain")
            expect(page.locator("[data-verify=intact]")).to_be_visible()
            page.screenshot(path=str(shots / "audit.png"), full_page=True)
        finally:
            browser.close()

    assert problems == [], f"browser errors (CSP violations?): {problems}"
    rt = Runtime.open(served.settings)
    try:
        with rt.db.session() as session:
            confirmed = session.scalars(
                select(DetectionRecord).where(DetectionRecord.status == "confirmed")
            ).all()
            assert [(d.id, d.reviewed_by) for d in confirmed] == [(detection_id, "anna")]
            assert audit.verify(session) == []
            actions = [e.action for e in audit.list_entries(session)]
        assert actions[:4] == ["auth.login", "auth.logout", "detection.confirmed", "auth.login"]
    finally:
        rt.close()
    for name in ("queue.png", "detail.png", "audit.png"):
        assert (shots / name).stat().st_size > 10_000
    key_file = served.settings.data_dir / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600

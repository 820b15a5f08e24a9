"""A citizen fills the public form in Chromium; an analyst sees the report on the map.

`narcowatch serve` on 127.0.0.1, Debian's Chromium through Playwright: the form works
without any third-party script, the thank-you page shows the number, and the Leaflet map
(served from node_modules, under the app's strict CSP) draws the report's marker.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from narcowatch.runtime import Runtime
from narcowatch.security.users import add_user
from narcowatch.settings import Settings
from tests.fakes.live import CHROMIUM, CHROMIUM_ARGS, serve_ui

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "correct horse battery"


def test_public_form_and_map(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import expect, sync_playwright

    data = tmp_path / "data"
    rt = Runtime.open(Settings(data_dir=data))
    with rt.db.session() as s:
        add_user(s, "anna", PASSWORD, "analyst", "en")
    rt.close()
    problems: list[str] = []
    with serve_ui(data, tmp_path) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        external: list[str] = []
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(url) else None)
        page.goto(url + "/report?c=AST-5")
        page.check("input[name=kind][value=stash]")
        page.fill("textarea[name=text]", "клад под скамейкой у подъезда")
        page.fill("input[name=lat]", "51.1605")
        page.fill("input[name=lon]", "71.4704")
        page.click("form.report-form button[type=submit]")
        expect(page.locator(".report-number")).to_contain_text("NW-", timeout=30_000)
        number = re.search(r"NW-\w{4}-\w{4}", page.inner_text(".report-number")).group(0)  # type: ignore[union-attr]
        assert external == []  # no third-party script, font or tile

        page.goto(url + "/login?next=/reports/map")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].btn-primary")
        expect(page).to_have_url(url + "/reports/map")
        marker = page.locator("#reports-map path.report-marker")
        expect(marker).to_have_count(1, timeout=30_000)
        marker.dispatch_event("click")
        expect(page.locator(".leaflet-popup-content")).to_contain_text(number)
        page.goto(url + "/reports")
        expect(page.locator("table.reports")).to_contain_text(number)
        browser.close()
    assert problems == []

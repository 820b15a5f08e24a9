"""The graph page in Debian's Chromium against `narcowatch serve`: expand a shop, filter,
highlight a path, export PNG and GEXF, with no CSP or script errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from narcowatch.link.relink import relink
from narcowatch.runtime import Runtime
from narcowatch.security.users import add_user
from narcowatch.settings import Settings
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import ShopRecord
from tests.fakes.live import CHROMIUM, CHROMIUM_ARGS, serve_ui
from tests.link.conftest import PASSWORD, add_item

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_graph_expand_path_and_exports(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import expect, sync_playwright

    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)
    rt = Runtime.open(settings)
    try:
        with rt.db.session() as s:
            for n in range(3):
                add_item(
                    s,
                    n,
                    "ad @g_oper @g_bot",
                    [("telegram", "g_oper"), ("telegram", "g_bot"), ("card", f"44004301000{n}")],
                )
            add_user(s, "anna", PASSWORD, "analyst", "en")
        with rt.db.session() as s:
            relink(s)
            shop_id = s.scalars(select(ShopRecord.id).where(ShopRecord.status == "active")).one()
    finally:
        rt.close()
    problems: list[str] = []
    with serve_ui(data_dir, tmp_path) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(url + "/login")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].btn-primary")
        page.wait_for_url(re.compile(r".*/(review|$)"))
        page.goto(f"{url}/shops/graph?focus=shop:{shop_id}")
        graph = page.locator("#shop-graph")
        # the shop, its 5 indicators and its channel
        expect(graph).to_have_attribute("data-nodes", "7", timeout=15000)
        card = "indicator:" + indicator_id("card", "440043010001")
        bot = "indicator:" + indicator_id("telegram", "g_bot")
        page.fill("#path-controls input[name=a]", card)
        page.fill("#path-controls input[name=b]", bot)
        page.click("#path-controls button[type=submit]")
        expect(graph).to_have_attribute("data-path", re.compile(r"^indicator:.+ indicator:"))
        path = (graph.get_attribute("data-path") or "").split()
        assert path[0] == card and path[-1] == bot and len(path) == 3
        with page.expect_download() as png:
            page.click("#export-png")
        assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with page.expect_download() as gexf:
            page.click("#gexf-form button[type=submit]")
        body = gexf.value.path().read_text()
        assert "<gexf" in body and card in body and bot in body
        browser.close()
    assert problems == []

"""Re-checks of Telegram targets read the page: t.me answers 200 even when a channel is gone.

The local site plays t.me: a live channel has a preview at ``/s/<name>``; a taken-down
channel's preview redirects to its contact page, which says it "can't be displayed"; a
username that is free again gets the bare contact page without a title. Pages follow the
public HTML structure of t.me (``tgme_channel_info``, ``tgme_page_title``).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from narcowatch.cases import blocking
from narcowatch.cases.cases import create_case
from narcowatch.cases.rechecks import run_rechecks
from narcowatch.cases.telegram_probe import page_state, telegram_name
from narcowatch.runtime import Runtime
from tests.fakes.site import Page, Site

LIVE_PREVIEW = """<html><body><div class="tgme_channel_info">
<div class="tgme_channel_info_header_title"><span>Snow shop</span></div></div>
<div class="tgme_widget_message" data-post="live_shop/7">
<div class="tgme_widget_message_text">Бот недоступен? Channel can't be displayed? Нет, мы тут!</div>
</div></body></html>"""
CONTACT = """<html><body><div class="tgme_page">{title}
<div class="tgme_page_description">{description}</div></div></body></html>"""
BLOCKED = CONTACT.format(
    title='<div class="tgme_page_title"><span dir="auto">Snow shop</span></div>',
    description="This channel can't be displayed because it violated Telegram's Terms of Service.",
)
FREE = CONTACT.format(
    title="", description="If you have Telegram, you can contact @gone_shop right away."
)
BOT = CONTACT.format(
    title='<div class="tgme_page_title"><span dir="auto">Snow bot</span></div>',
    description="Заказы 24/7",
)


def _moved(path: str, site: Site) -> Page:
    return Page(status=302, headers={"Location": site.url(path)})


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("t.me/live_shop", "live_shop"),
        ("https://t.me/s/live_shop", "live_shop"),
        ("@Live_Shop", "Live_Shop"),
        ("telegram.me/snow_bot", "snow_bot"),
        ("t.me/+AbCdEf123", None),
        ("https://example.kz/t.me/x", None),
    ],
)
def test_telegram_names(address: str, name: str | None) -> None:
    assert telegram_name(address) == name


def test_page_states() -> None:
    assert page_state(LIVE_PREVIEW.encode()) == "active"  # a post quoting the phrase is no block
    assert page_state(BLOCKED.encode()) == "blocked"
    assert page_state(FREE.encode()) == "missing"
    assert page_state(BOT.encode()) == "active"
    assert page_state(b"\x00\xff garbage") == "missing"


def test_rechecks_read_telegram_pages(case_runtime: Runtime, site: Site) -> None:
    rt = case_runtime
    rt.settings.telegram_web_base = site.url("").rstrip("/")
    site.pages["/s/live_shop"] = Page(body=LIVE_PREVIEW.encode())
    site.pages["/s/taken_down"] = _moved("/taken_down", site)
    site.pages["/taken_down"] = Page(body=BLOCKED.encode())
    site.pages["/s/gone_shop"] = _moved("/gone_shop", site)
    site.pages["/gone_shop"] = Page(body=FREE.encode())
    site.pages["/s/snow_bot"] = _moved("/snow_bot", site)
    site.pages["/snow_bot"] = Page(body=BOT.encode())
    names = ["live_shop", "taken_down", "gone_shop", "snow_bot"]
    with rt.db.session() as s:
        case = create_case(s, title="Snow", actor="a1")
        targets = [
            blocking.make_target(
                f"t.me/{n}",
                kind="telegram",
                detected_at=datetime(2026, 10, 1, tzinfo=UTC),
                category="drug_sale",
                legal_ground="cc_299_1",
            )
            for n in names
        ]
        req = blocking.create_request(s, rt.settings, targets, "a1", case.id)
        blocking.set_request_status(s, rt.settings, req.id, "sent", "s1")
        blocking.set_request_status(s, rt.settings, req.id, "blocked", "s1")
        req_id = req.id

    counts = run_rechecks(rt)

    assert counts["checked"] == 4
    assert counts["reappeared"] == 2 and counts["still_blocked"] == 2
    with rt.db.session() as s:
        states = {t["target"]: t["state"] for t in blocking.get_request(s, req_id).targets}
    assert states == {
        "t.me/live_shop": "reappeared",
        "t.me/taken_down": "blocked",
        "t.me/gone_shop": "blocked",
        "t.me/snow_bot": "reappeared",
    }
    assert site.hits["/s/taken_down"] == 1 and site.hits["/taken_down"] == 1

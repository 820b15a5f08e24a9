"""Telegram preview: parsing of the public HTML shape, paging back, resuming, new posts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from narcowatch.errors import IngestError
from narcowatch.ingest.crawl import add_source, crawl_source
from narcowatch.ingest.telegram_web import channel_name, parse_preview, parse_views
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, SourceRecord
from tests.fakes.fixture_web import FixtureWeb


def _items(rt: Runtime, sid: str) -> dict[str, ItemRecord]:
    with rt.db.session() as s:
        rows = s.scalars(select(ItemRecord).where(ItemRecord.source_id == sid)).all()
        s.expunge_all()
        return {r.external_id: r for r in rows}


def test_parse_one_page(web: FixtureWeb) -> None:
    page = parse_preview(web.tg_page("shop_channel", None) or b"", "shop_channel")
    assert [int(p.external_id) for p in page.posts] == list(range(46, 66))
    assert page.before == 46
    post = {p.external_id: p for p in page.posts}["60"]
    assert "мефедрон" in post.text and "\n" in post.text  # <br> kept as a line break
    assert post.meta["forwarded_from"]["url"] == "https://t.me/other_shop/60"
    assert post.meta["photos"][0].endswith("/img/60.jpg")
    assert post.meta["views"] == int(60 * 37 % 2000 / 10 * 1000)
    assert "https://t.me/new_shop_0" in post.meta["links"]
    assert post.published_at is not None and post.published_at.year == 2026
    assert post.url == "https://t.me/shop_channel/60" and post.author == "Shop shop_channel"


@pytest.mark.parametrize(
    ("value", "name"),
    [("@abcd_e", "abcd_e"), ("https://t.me/s/abcd_e", "abcd_e"), ("t.me/abcd_e/12", "abcd_e")],
)
def test_channel_names(value: str, name: str) -> None:
    assert channel_name(value) == name


def test_bad_inputs() -> None:
    with pytest.raises(IngestError):
        channel_name("../etc/passwd")
    with pytest.raises(IngestError) as err:
        parse_preview(b"<html><body>private channel</body></html>", "x")
    assert err.value.code == "E142"
    assert parse_views("1.2K") == 1200 and parse_views("15") == 15 and parse_views("?") is None


def test_crawl_pages_back_then_picks_up_new_posts(crawl_rt: Runtime, web: FixtureWeb) -> None:
    crawl_rt.settings.telegram_web_base = f"{web.base}/tg"
    sid = add_source(crawl_rt, "telegram_web", "shop_channel")
    out = crawl_source(crawl_rt, sid)
    assert out["new_items"] == 65 and out["pages"] == 4
    assert set(_items(crawl_rt, sid)) == {str(n) for n in range(1, 66)}
    web.channels["shop_channel"] = 70  # five new posts
    out = crawl_source(crawl_rt, sid)
    assert out == {"pages": 1, "new_items": 5, "problems": {}}
    with crawl_rt.db.session() as s:
        src = s.get(SourceRecord, sid)
        assert src is not None and src.health == "ok" and src.items_found == 70
        assert src.cursor["stop_at"] == 70
        n = s.scalar(select(func.count()).select_from(ItemRecord))
    assert n == 70


def test_page_limit_resumes_next_run(lite_rt: Runtime, web: FixtureWeb) -> None:
    lite_rt.settings.telegram_web_base = f"{web.base}/tg"
    sid = add_source(lite_rt, "telegram_web", "shop_channel", config={"max_pages": 2})
    assert crawl_source(lite_rt, sid)["new_items"] == 40
    assert crawl_source(lite_rt, sid)["new_items"] == 25
    assert len(_items(lite_rt, sid)) == 65


def test_missing_channel_marks_source_error(lite_rt: Runtime, web: FixtureWeb) -> None:
    lite_rt.settings.telegram_web_base = f"{web.base}/tg"
    sid = add_source(lite_rt, "telegram_web", "no_such_channel")
    with pytest.raises(IngestError):
        crawl_source(lite_rt, sid)
    with lite_rt.db.session() as s:
        src = s.get(SourceRecord, sid)
        assert (
            src is not None
            and src.health == "error"
            and "no public preview" in (src.last_error or "")
        )

"""Website, feed and ad-board crawls against the fixture web, bad pages included."""

from __future__ import annotations

from sqlalchemy import select

from narcowatch.ingest.crawl import add_source, crawl_source
from narcowatch.ingest.pages import TrapGuard, canonical_url, decode
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, SourceRecord
from tests.fakes.fixture_web import FixtureWeb


def _items(rt: Runtime, sid: str) -> dict[str, ItemRecord]:
    with rt.db.session() as s:
        rows = s.scalars(select(ItemRecord).where(ItemRecord.source_id == sid)).all()
        s.expunge_all()
        return {r.external_id: r for r in rows}


def _source(rt: Runtime, sid: str) -> SourceRecord:
    with rt.db.session() as s:
        src = s.get(SourceRecord, sid)
        assert src is not None
        s.expunge(src)
        return src


def test_site_crawl_handles_every_bad_page(crawl_rt: Runtime, web: FixtureWeb) -> None:
    config = {"max_depth": 60, "max_pages_per_pattern": 35}
    sid = add_source(crawl_rt, "web", f"{web.base}/site/", config=config)
    out = crawl_source(crawl_rt, sid)
    items = _items(crawl_rt, sid)
    pages = {u.removeprefix(web.base) for u in items}
    # every generated page once, session ids stripped, nothing outside the /site/ prefix
    assert {f"/site/p/{n}" for n in range(1, 31)} <= pages
    assert not any("sid=" in p or p.startswith("/other") for p in pages)
    assert "Windows-1251" in items[f"{web.base}/site/cp1251"].text
    assert "Broken" in items[f"{web.base}/site/broken"].text
    assert "Страница 7" in items[f"{web.base}/site/p/7"].text
    probs = out["problems"]
    assert probs["fetch_E953"] == 1  # slow page timed out
    assert probs["http_500"] == 1
    assert probs["fetch_E952"] == 1  # redirect loop
    assert probs["fetch_E951"] == 1  # huge page
    assert probs["binary"] == 1
    assert probs["trap_pattern"] >= 1  # the infinite calendar was cut off
    assert sum(1 for p in pages if "calendar" in p) <= 35
    src = _source(crawl_rt, sid)
    assert src.health == "degraded" and src.cursor["health"]["http_500"] == 1
    assert f"{web.base}/site/binary" not in items and f"{web.base}/site/huge" not in items


def test_recrawl_uses_conditional_requests(lite_rt: Runtime, web: FixtureWeb) -> None:
    sid = add_source(
        lite_rt, "web", f"{web.base}/site/p/1", config={"max_depth": 40, "sitemap": False}
    )
    first = crawl_source(lite_rt, sid)
    assert first["new_items"] >= 30
    before = dict(web.hits)
    second = crawl_source(lite_rt, sid)
    assert second["new_items"] == 0
    # pages answered 304 yet their known links were still followed
    assert web.hits["/site/p/30"] == before["/site/p/30"] + 1
    assert len(_items(lite_rt, sid)) == len(_items(lite_rt, sid))


def test_page_decoding_rules() -> None:
    text, cs = decode("Привет, мир! Закладки.".encode("cp1251") * 5, "text/html; charset=utf-8")
    assert "Привет" in text and cs != "utf-8"
    assert canonical_url("HTTP://A.b/x;jsessionid=1?PHPSESSID=2&q=3#f") == "http://a.b/x?q=3"
    guard = TrapGuard(per_shape=3)
    verdicts = [guard.refuse(f"http://a/cal/2026/{m}") for m in range(1, 6)]
    assert verdicts[:3] == [None, None, None] and verdicts[3] == "trap_pattern"
    assert guard.refuse("http://a/x/x/x/y") == "repeated_path"


def test_rss_and_atom(crawl_rt: Runtime, web: FixtureWeb) -> None:
    rss = add_source(crawl_rt, "rss", f"{web.base}/feed.rss")
    atom = add_source(crawl_rt, "rss", f"{web.base}/feed.atom")
    assert crawl_source(crawl_rt, rss)["new_items"] == 7
    assert crawl_source(crawl_rt, atom)["new_items"] == 5
    item = _items(crawl_rt, atom)["urn:fixture:2"]
    assert item.text.startswith("Запись 2") and "<p>" not in item.text
    assert item.published_at is not None and item.url == f"{web.base}/site/p/2"
    assert crawl_source(crawl_rt, rss)["new_items"] == 0


def test_classified_board_with_yaml_and_generic_fallback(lite_rt: Runtime, web: FixtureWeb) -> None:
    sid = add_source(lite_rt, "classifieds", f"{web.base}/board/", config={"site": "fixture_board"})
    out = crawl_source(lite_rt, sid)
    items = _items(lite_rt, sid)
    assert out["pages"] == 3 and len(items) == 30
    ad = items["ad4"]
    assert ad.meta["price"] == "1004 ₸" and ad.meta["city"] == "Алматы"
    assert ad.author == "seller4" and ad.url == f"{web.base}/board/ad/4"
    assert _source(lite_rt, sid).cursor["next_page"] is None
    generic = add_source(lite_rt, "classifieds", f"{web.base}/board/", name="generic")
    out = crawl_source(lite_rt, generic)
    assert out["pages"] >= 3  # list pages followed through the "Далее" link

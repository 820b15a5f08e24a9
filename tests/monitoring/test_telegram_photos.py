"""Photos of t.me/s posts are downloaded, size- and type-checked, and stored for OCR."""

from __future__ import annotations

from sqlalchemy import select

from narcowatch.ingest.crawl import add_source, crawl_source
from narcowatch.ingest.telegram_photos import image_type
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, SourceRecord
from tests.fakes.fixture_web import FixtureWeb, _photo, serve_fixture_web


def _crawl(rt: Runtime, base: str, name: str, **config: object) -> tuple[dict, dict]:
    rt.settings.telegram_web_base = f"{base}/tg"
    sid = add_source(rt, "telegram_web", "shop_channel", name=name, config=config)
    crawl_source(rt, sid)
    with rt.db.session(readonly=True) as s:
        items = s.scalars(select(ItemRecord).where(ItemRecord.source_id == sid)).all()
        attached = {int(i.external_id): list(i.meta.get("attachments", [])) for i in items}
        src = s.get(SourceRecord, sid)
        assert src is not None
        health = dict(src.cursor["health"])
    return attached, health


def test_photos_become_image_attachments(crawl_rt: Runtime) -> None:
    with serve_fixture_web(FixtureWeb(bad_photos=True)) as web:
        attached, health = _crawl(crawl_rt, web.base, "photos")
    with_photo = [n for n in range(1, 66) if n % 3 == 0]
    good = [n for n in with_photo if n % 2]
    assert {n for n, atts in attached.items() if atts} == set(good)
    for n in good:
        (att,) = attached[n]
        assert att["kind"] == "photo" and att["content_type"] == "image/jpeg"  # OCR reads these
        assert crawl_rt.blobs.get(att["sha256"]) == _photo(n)
    assert health["photo_not_image"] == len(with_photo) - len(good)  # HTML labelled image/jpeg
    assert len(attached) == 65  # the posts themselves are all kept


def test_oversized_photos_are_refused(crawl_rt: Runtime, web: FixtureWeb) -> None:
    attached, health = _crawl(crawl_rt, web.base, "small", photo_max_bytes=200)
    assert not any(attached.values())
    assert health["photo_too_big"] == len([n for n in range(1, 66) if n % 3 == 0])


def test_photos_can_be_switched_off(crawl_rt: Runtime, web: FixtureWeb) -> None:
    attached, _ = _crawl(crawl_rt, web.base, "off", photos=False)
    assert len(attached) == 65 and not any(attached.values())
    assert web.hits.get("/img/3.jpg") is None


def test_image_type_reads_magic_bytes() -> None:
    assert image_type(_photo(1)) == ("image/jpeg", ".jpg")
    assert image_type(b"\x89PNG\r\n\x1a\n....") == ("image/png", ".png")
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", ".webp")
    assert image_type(b"<html>") is None

"""The demo files are read by the real importers exactly as the generator meant them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from narcowatch.demo.generate import ADS_FILE, TRUTH_FILE, generate
from narcowatch.ingest.files import open_source
from narcowatch.ingest.telegram_export import TelegramExportSource


@pytest.fixture(scope="module")
def demo_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=11, size=300, end=date(2026, 3, 1))
    return out


def test_every_export_is_a_telegram_source_with_all_its_posts(demo_set: Path) -> None:
    truth = [json.loads(x) for x in (demo_set / TRUTH_FILE).read_text("utf-8").splitlines()]
    for path in sorted(demo_set.glob("telegram/*/result.json")):
        export = json.loads(path.read_text("utf-8"))
        source = open_source(path)
        assert isinstance(source, TelegramExportSource)
        assert source.name == export["name"]
        items = list(source.iter_items())
        rel = path.relative_to(demo_set).as_posix()
        expected = [t["text"] for t in truth if t["file"] == rel]
        assert (
            len(items) == len(expected) == sum(m["type"] == "message" for m in export["messages"])
        )
        assert source.stats["skipped:service"] >= 1
        for item, text in zip(items, expected, strict=True):
            # Hidden text_link targets are appended after the visible text.
            assert item.text == text or item.text.startswith(text + "\n\nhttps://t.me/")
            assert item.published_at is not None
        photos = [m for m in export["messages"] if "photo" in m]
        attached = [i for i in items if i.meta.get("media")]
        assert len(attached) == len(photos)
        for item in attached:
            (ref,) = item.meta["media"]
            assert ref["status"] == "attached" and ref["path"].startswith("photos/")
            assert item.attachments[0].path.read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG
        forwards = [i for i in items if i.meta.get("forwarded_from")]
        if "резерв" in export["name"]:
            assert forwards, export["name"]


def test_some_price_lists_are_pictures(demo_set: Path) -> None:
    photos = sorted(demo_set.glob("telegram/*/photos/*.jpg"))
    assert photos
    manifest = json.loads((demo_set / "MANIFEST.json").read_text("utf-8"))
    assert {p.relative_to(demo_set).as_posix() for p in photos} <= set(manifest["files"])


def test_ads_dump_is_a_jsonl_source_with_ids_urls_and_sellers(demo_set: Path) -> None:
    source = open_source(demo_set / ADS_FILE)
    items = list(source.iter_items())
    rows = [json.loads(x) for x in (demo_set / ADS_FILE).read_text("utf-8").splitlines()]
    assert len(items) == len(rows) == 75
    for item, row in zip(items, rows, strict=True):
        assert item.external_id == row["id"]
        assert item.url == row["url"] and item.url.startswith("https://kz-bazar.example/ad/")
        assert row["seller"] in (item.author, item.meta.get("seller"))
        assert row["title"] in (item.meta.get("title"), item.meta.get("name"))
        assert item.text == row["text"] and item.published_at is not None
        assert 0 < len(row["title"]) < 80

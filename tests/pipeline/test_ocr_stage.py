"""Pictures attached to posts are read into the text the later stages see (real Tesseract)."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from narcowatch.ingest.files import open_source
from narcowatch.pipeline.intake import ingest_source
from narcowatch.pipeline.runner import Runner
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import ItemIndicatorRecord, ItemRecord

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _export(folder: Path) -> Path:
    (folder / "photos").mkdir(parents=True)
    img = Image.new("RGB", (900, 260), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 44)
    draw.text((30, 40), "PRICE 1g 15000 KZT", fill="black", font=font)
    draw.text((30, 140), "@snow_price_bot", fill="black", font=font)
    img.save(folder / "photos" / "p1.jpg", quality=95)
    export = {
        "name": "Price pictures (SYNTHETIC TEST)",
        "type": "public_channel",
        "id": 1,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2026-10-01T10:00:00",
                "date_unixtime": "1790000000",
                "photo": "photos/p1.jpg",
                "text": "Прайс",
            },
        ],
    }
    path = folder / "result.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    return path


def test_picture_text_is_extracted_once(runtime: Runtime, tmp_path: Path) -> None:
    runtime.settings.ocr_images = True
    ingest_source(runtime.db, runtime.blobs, open_source(_export(tmp_path / "export")))
    Runner(runtime.db, runtime.settings).run()
    with runtime.db.session() as s:
        item = s.scalars(select(ItemRecord)).one()
        assert item.text.startswith("Прайс\n\n[OCR]\n")
        assert item.meta["ocr"]["read"][0]["confidence"] > 50
        handles = s.scalars(
            select(ItemIndicatorRecord.indicator_id).where(ItemIndicatorRecord.item_id == item.id)
        ).all()
        assert indicator_id("telegram", "snow_price_bot") in handles
        text_once = item.text
        item.status = "new"
    Runner(runtime.db, runtime.settings).run()  # processed again: the picture is not re-read
    with runtime.db.session() as s:
        assert s.scalars(select(ItemRecord.text)).one() == text_once


def test_off_by_default(runtime: Runtime, tmp_path: Path) -> None:
    ingest_source(runtime.db, runtime.blobs, open_source(_export(tmp_path / "export")))
    Runner(runtime.db, runtime.settings).run()
    with runtime.db.session() as s:
        assert s.scalars(select(ItemRecord.text)).one() == "Прайс"

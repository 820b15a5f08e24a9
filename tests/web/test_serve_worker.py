"""`narcowatch serve` runs one background worker: items stored while it serves get processed."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy import select

from narcowatch.ingest.files import open_source
from narcowatch.pipeline.intake import ingest_source
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings
from narcowatch.store.tables import ItemRecord
from tests.fakes.live import serve_ui


def _statuses(settings: Settings) -> set[str]:
    rt = Runtime.open(settings)
    try:
        with rt.db.session(readonly=True) as s:
            return set(s.scalars(select(ItemRecord.status)))
    finally:
        rt.close()


def test_items_stored_while_serving_are_processed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    with serve_ui(settings.data_dir, tmp_path):
        posts = tmp_path / "posts.jsonl"
        rows = [{"id": "1", "text": "Меф и шишки, закладки по Алматы, пиши @kot_shop_bot"}]
        posts.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
        rt = Runtime.open(settings)
        try:
            ingest_source(rt.db, rt.blobs, open_source(posts))  # stored, not processed
        finally:
            rt.close()
        deadline = time.monotonic() + 120
        while _statuses(settings) != {"done"}:
            assert time.monotonic() < deadline, "the in-process worker did not run the pipeline"
            time.sleep(0.5)

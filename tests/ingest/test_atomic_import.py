"""The import of one file is atomic: an error half-way stores nothing and keeps what was there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from narcowatch.errors import IngestError
from narcowatch.ingest.files import open_source
from narcowatch.pipeline.intake import ingest_source, source_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, SourceRecord, StageCounterRecord

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHANNEL = FIXTURES / "telegram" / "channel_snow" / "result.json"
POSTS = FIXTURES / "files" / "posts.jsonl"


def snapshot(rt: Runtime) -> dict[str, Any]:
    """Everything an import may touch, as plain values."""
    with rt.db.session() as s:
        items = {
            r.id: (r.external_id, r.text, r.blob_sha256, r.status, r.edited_at, r.meta)
            for r in s.scalars(select(ItemRecord))
        }
        sources = {
            r.id: (r.name, r.items_found, r.last_success) for r in s.scalars(select(SourceRecord))
        }
        counters = {(r.stage, r.key): r.value for r in s.scalars(select(StageCounterRecord))}
    return {"items": items, "sources": sources, "counters": counters}


def mark_done(rt: Runtime) -> None:
    with rt.db.session() as s:
        for row in s.scalars(select(ItemRecord)):
            row.status = "done"


def broken_channel_copy(tmp_path: Path) -> Path:
    """The channel with message 5 edited and new messages, then cut off mid-file."""
    folder = tmp_path / "broken"
    shutil.copytree(CHANNEL.parent, folder)
    doc = json.loads(CHANNEL.read_text(encoding="utf-8"))
    msg = next(m for m in doc["messages"] if m["id"] == 5)
    msg["text"], msg["edited_unixtime"] = "ИЗМЕНЕНО (SYNTHETIC)", "1791000000"
    for n in range(100, 140):
        doc["messages"].append({"id": n, "type": "message", "text": f"новый пост {n}"})
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    cut = text.index('"новый пост 130"')
    (folder / "result.json").write_text(text[:cut], encoding="utf-8")
    return folder / "result.json"


def test_truncated_export_changes_nothing(any_runtime: Runtime, tmp_path: Path) -> None:
    rt = any_runtime
    ingest_source(rt.db, rt.blobs, open_source(CHANNEL))
    mark_done(rt)
    before = snapshot(rt)
    assert len(before["items"]) == 11

    with pytest.raises(IngestError) as info:
        ingest_source(rt.db, rt.blobs, open_source(broken_channel_copy(tmp_path)))
    assert info.value.code == "E107"
    assert snapshot(rt) == before  # no new message, no edit, no counter, no re-queue


def test_bad_jsonl_line_half_way_changes_nothing(any_runtime: Runtime, tmp_path: Path) -> None:
    rt = any_runtime
    ingest_source(rt.db, rt.blobs, open_source(POSTS))
    mark_done(rt)
    before = snapshot(rt)

    lines = POSTS.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row["text"] = "изменённый текст (SYNTHETIC)"
    new_rows = [json.dumps({"id": f"n{n}", "text": f"пост {n}"}) for n in range(50)]
    bad = [json.dumps(row, ensure_ascii=False), *lines[1:], *new_rows, "[not an object]"]
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")

    with pytest.raises(IngestError) as info:
        ingest_source(rt.db, rt.blobs, open_source(path))
    assert info.value.code == "E109" and info.value.details["line"] == len(bad)
    assert snapshot(rt) == before


def test_failed_first_import_leaves_no_source_behind(any_runtime: Runtime, tmp_path: Path) -> None:
    rt = any_runtime
    path = tmp_path / "ads.csv"
    path.write_bytes("id,text\n1,Привет\n2,Пока\n".encode("cp1251"))
    with pytest.raises(IngestError) as info:
        ingest_source(rt.db, rt.blobs, open_source(path))
    assert info.value.code == "E105"
    with rt.db.session() as s:
        assert s.get(SourceRecord, source_id("file", "ads")) is None
    assert snapshot(rt) == {"items": {}, "sources": {}, "counters": {}}


def test_encoding_error_deep_in_file_rolls_back(any_runtime: Runtime, tmp_path: Path) -> None:
    rt = any_runtime
    rows = "".join(json.dumps({"id": n, "text": f"пост {n}"}) + "\n" for n in range(400))
    path = tmp_path / "posts.jsonl"
    path.write_bytes(rows.encode() + b'{"id": "z", "text": "\xcf\xf0\xe8"}\n')
    with pytest.raises(IngestError) as info:
        ingest_source(rt.db, rt.blobs, open_source(path))
    assert info.value.code == "E105" and info.value.details["line"] == 401
    assert snapshot(rt)["items"] == {}

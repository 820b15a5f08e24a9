"""Telegram Desktop export import: entity texts, media, forwards, edits, service messages."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.files import open_source
from narcowatch.ingest.telegram_export import TelegramExportSource
from narcowatch.pipeline.counters import Counters, stored_counters
from narcowatch.pipeline.intake import ingest_source, item_id, source_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, SourceRecord

FIXTURES = Path(__file__).parents[1] / "fixtures" / "telegram"
CHANNEL = FIXTURES / "channel_snow" / "result.json"
ACCOUNT = FIXTURES / "account" / "result.json"
CHANNEL_NAME = "Снежный Барс KZ (SYNTHETIC TEST)"


def items_by_id(path: Path, **kwargs: Any) -> dict[str, IncomingItem]:
    src = open_source(path, **kwargs)
    return {item.external_id: item for item in src.iter_items()}


def stored(rt: Runtime, sid: str) -> dict[str, ItemRecord]:
    with rt.db.session() as s:
        rows = s.scalars(select(ItemRecord).where(ItemRecord.source_id == sid)).all()
        return {r.external_id: r for r in rows}


def test_channel_export_is_recognised_and_named_after_the_chat() -> None:
    src = open_source(CHANNEL)
    assert isinstance(src, TelegramExportSource)
    assert (src.kind, src.name) == ("telegram_export", CHANNEL_NAME)
    assert open_source(CHANNEL, name="snow-override").name == "snow-override"


def test_service_messages_are_skipped_and_counted() -> None:
    src = open_source(CHANNEL)
    ids = [item.external_id for item in src.iter_items()]
    assert ids == ["2", "3", "4", "5", "6", "7", "8", "9", "11", "12", "13"]
    assert src.stats["skipped:service"] == 2


def test_entity_list_text_is_flattened_and_hidden_links_are_kept() -> None:
    item = items_by_id(CHANNEL)["2"]
    visible = (
        "СИНТЕТИЧЕСКИЙ ТЕСТ. Магазин работает 24/7 Алматы, Астана\n"
        "Клады, мефедрон, ск. Оператор: @snow_op_test\nБот для заказа"
    )
    assert item.text == visible + "\n\nhttps://t.me/snow_shop_test_bot"
    meta = item.meta
    assert meta["hidden_links"] == ["https://t.me/snow_shop_test_bot"]
    assert meta["hidden_links_from"] == len(visible) + 2
    kinds = [(e["type"], e["text"]) for e in meta["entities"]]
    assert ("mention", "@snow_op_test") in kinds and ("bold", "Алматы, Астана") in kinds
    bold = next(e for e in meta["entities"] if e["type"] == "bold")
    assert visible[bold["start"] : bold["start"] + len(bold["text"])] == bold["text"]


def test_mention_name_and_code_entities_keep_their_details() -> None:
    item = items_by_id(CHANNEL)["11"]
    assert item.text.startswith("Резерв: тут, админ Алия, код SNOW-2026")
    ents = {e["type"]: e for e in item.meta["entities"]}
    assert ents["mention_name"]["user_id"] == 5000000001
    assert ents["text_link"]["href"] == "https://t.me/+SyntheticInvite123"


def test_text_entities_are_used_when_text_is_missing(tmp_path: Path) -> None:
    doc = {
        "name": "Entities only (SYNTHETIC)",
        "type": "public_channel",
        "id": 7,
        "messages": [
            {
                "id": 1,
                "type": "message",
                "date": "2026-10-01T10:00:00",
                "text_entities": [
                    {"type": "plain", "text": "пиши "},
                    {"type": "mention", "text": "@only_entities_test"},
                ],
            }
        ],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    item = items_by_id(path)["1"]
    assert item.text == "пиши @only_entities_test"


def test_dates_prefer_unixtime_and_edits_are_read() -> None:
    items = items_by_id(CHANNEL)
    # "date" is the exporter's local time (UTC+5 here); date_unixtime is exact.
    assert items["2"].published_at.isoformat() == "2026-10-01T05:00:00+00:00"
    assert items["5"].edited_at.isoformat() == "2026-10-02T07:05:00+00:00"
    assert items["2"].edited_at is None


def test_forward_author_and_media_statuses() -> None:
    items = items_by_id(CHANNEL)
    assert items["4"].meta["forwarded_from"] == "Ночной Дилер (SYNTHETIC)"
    assert items["4"].author == CHANNEL_NAME
    assert items["4"].meta["from_id"] == "channel1000000001"
    status = {k: [m["status"] for m in v.meta.get("media", [])] for k, v in items.items()}
    assert status["3"] == ["attached"]
    assert status["6"] == ["missing"]
    assert status["7"] == ["not_included"]
    assert status["12"] == ["outside_export"]
    assert status["13"] == ["attached"]
    assert items["12"].attachments == []


def test_photo_bytes_are_stored_as_a_blob(runtime: Runtime) -> None:
    ingest_source(runtime.db, runtime.blobs, open_source(CHANNEL))
    rows = stored(runtime, source_id("telegram_export", CHANNEL_NAME))
    photo = FIXTURES / "channel_snow" / "photos" / "photo_3@01-10-2026_11-30-00.jpg"
    att = rows["3"].meta["attachments"][0]
    assert att["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert runtime.blobs.get(att["sha256"]) == photo.read_bytes()
    assert att["content_type"] == "image/jpeg" and att["kind"] == "photo"
    pdf = rows["13"].meta["attachments"][0]
    assert pdf["content_type"] == "application/pdf"
    assert runtime.blobs.get(rows["3"].blob_sha256).startswith(b"{")  # raw message JSON


def test_large_media_is_recorded_not_attached(tmp_path: Path) -> None:
    copy = tmp_path / "export"
    shutil.copytree(CHANNEL.parent, copy)
    items = items_by_id(copy / "result.json", max_media_bytes=100)
    photo = items["3"].meta["media"][0]
    assert photo["status"] == "too_large" and photo["size"] > 100
    assert items["3"].attachments == []


def test_reimport_is_idempotent_and_an_edit_updates_and_requeues(
    any_runtime: Runtime, tmp_path: Path
) -> None:
    rt = any_runtime
    first = ingest_source(rt.db, rt.blobs, open_source(CHANNEL))
    assert (first.new, first.updated, first.unchanged) == (11, 0, 0)
    again = ingest_source(rt.db, rt.blobs, open_source(CHANNEL))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 11)

    sid = source_id("telegram_export", CHANNEL_NAME)
    with rt.db.session() as s:  # pretend the pipeline processed everything
        for row in s.scalars(select(ItemRecord)):
            row.status = "done"

    copy = tmp_path / "export"
    shutil.copytree(CHANNEL.parent, copy)
    doc = json.loads((copy / "result.json").read_text(encoding="utf-8"))
    msg = next(m for m in doc["messages"] if m["id"] == 5)
    msg["text"] = "Скидка 20%, пишите @snow_op_test (SYNTHETIC, edited)"
    msg["text_entities"] = [{"type": "plain", "text": msg["text"]}]
    msg["edited"], msg["edited_unixtime"] = "2026-10-03T09:00:00", "1791000000"
    (copy / "result.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    counters = Counters()
    edited = ingest_source(rt.db, rt.blobs, open_source(copy / "result.json"), counters)
    assert (edited.new, edited.updated, edited.unchanged) == (0, 1, 10)
    rows = stored(rt, sid)
    assert len(rows) == 11
    assert rows["5"].text.endswith("(SYNTHETIC, edited)")
    assert rows["5"].status == "new" and rows["5"].id == item_id(sid, "5")
    assert rows["5"].edited_at is not None
    assert {r.status for k, r in rows.items() if k != "5"} == {"done"}
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SourceRecord)) == 1
        totals = stored_counters(s)["ingest"]
    assert totals["skipped:service"] == 6 and totals["updated"] == 1


def test_account_export_reads_every_chat() -> None:
    src = open_source(ACCOUNT)
    assert src.name == "Тест Аналитик (account export)"
    items = {i.external_id: i for i in src.iter_items()}
    assert sorted(items) == ["2000000001/2", "2000000001/3", "2000000002/2", "2000000003/7"]
    assert items["2000000002/2"].meta["chat"] == {
        "name": "Новости Казахстана (SYNTHETIC)",
        "type": "public_channel",
        "id": 2000000002,
    }
    assert items["2000000003/7"].meta["chat"]["type"] == "private_channel"
    assert src.stats["skipped:service"] == 1


@pytest.mark.parametrize("suffix", [".txt", ".dat", ""])
def test_export_is_recognised_by_content_not_extension(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"export{suffix}"
    shutil.copy(CHANNEL, path)
    assert isinstance(open_source(path), TelegramExportSource)


@pytest.mark.parametrize("link", ["absolute", "symlink"])
def test_media_outside_the_export_is_never_read(tmp_path: Path, link: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not part of the export", encoding="utf-8")
    folder = tmp_path / "export"
    folder.mkdir()
    photo = str(secret)
    if link == "symlink":
        (folder / "photos").mkdir()
        (folder / "photos" / "p.jpg").symlink_to(secret)
        photo = "photos/p.jpg"
    doc = {"name": "x", "messages": [{"id": 1, "type": "message", "photo": photo, "text": "t"}]}
    (folder / "result.json").write_text(json.dumps(doc), encoding="utf-8")
    item = items_by_id(folder / "result.json")["1"]
    assert item.meta["media"][0]["status"] == "outside_export"
    assert item.attachments == []

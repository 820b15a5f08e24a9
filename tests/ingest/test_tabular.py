"""JSONL, JSON-array and CSV import: text column, optional columns, ids, dialects, BOM."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from narcowatch.ingest.files import detect_format, open_source
from narcowatch.ingest.tabular import CsvSource, JsonArraySource, JsonLinesSource
from narcowatch.pipeline.intake import ingest_source, source_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord

FILES = Path(__file__).parents[1] / "fixtures" / "files"


def test_jsonl_rows_use_known_columns_and_keep_the_rest_in_meta() -> None:
    src = open_source(FILES / "posts.jsonl")
    assert isinstance(src, JsonLinesSource)
    assert (src.kind, src.name) == ("file", "posts")
    items = {i.external_id: i for i in src.iter_items()}
    first = items["ad-1001"]
    assert first.url == "https://ads.example.test/ad/1001"
    assert first.author == "seller_1001"
    assert first.published_at is not None
    assert first.published_at.isoformat() == "2026-10-10T08:00:00+05:00"
    assert first.meta == {"site": "ads.example.test", "city": "Алматы"}
    assert items["ad-1003"].published_at.isoformat() == "2026-10-10T10:00:00+00:00"  # type: ignore[union-attr]
    assert items["ad-1004"].published_at is None
    assert items["ad-1004"].meta["unparsed_date"] == "not a date"
    hashed = [k for k in items if k.startswith("sha256:")]
    assert len(hashed) == 1 and items[hashed[0]].meta["tags"] == ["spam", "drugs"]
    assert len(items) == 5  # the blank line is skipped


def test_csv_with_bom_semicolons_quotes_and_a_custom_text_column() -> None:
    src = open_source(FILES / "ads.csv", text_column="body")
    assert isinstance(src, CsvSource)
    items = list(src.iter_items())
    assert [i.external_id for i in items] == ["c-1", "c-2", "c-3"]
    assert items[0].text.startswith("Закладки по Астане; быстро")  # ';' inside quotes
    assert items[1].text == 'Продаю горный велосипед "Stels", 60 000 тг (SYNTHETIC)'
    assert items[0].meta == {"title": "Соль, мефедрон", "city": "Астана", "price": ""}
    assert items[2].published_at is None and "published_at" not in items[2].meta


def test_text_column_matches_case_insensitively(tmp_path: Path) -> None:
    path = tmp_path / "upper.csv"
    path.write_text("ID,Text\n1,привет (SYNTHETIC)\n", encoding="utf-8")
    assert [i.text for i in open_source(path).iter_items()] == ["привет (SYNTHETIC)"]


def test_hashed_ids_are_stable_and_reimport_stores_nothing_new(any_runtime: Runtime) -> None:
    rt = any_runtime
    first = ingest_source(rt.db, rt.blobs, open_source(FILES / "news.csv"))
    second = ingest_source(rt.db, rt.blobs, open_source(FILES / "news.csv"))
    assert (first.new, second.new, second.unchanged) == (3, 0, 3)
    with rt.db.session() as s:
        rows = s.scalars(
            select(ItemRecord).where(ItemRecord.source_id == source_id("file", "news"))
        ).all()
    assert len(rows) == 3
    assert all(r.external_id.startswith("sha256:") for r in rows)


def test_changed_row_with_same_id_is_updated(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    shutil.copy(FILES / "posts.jsonl", path)
    ingest_source(runtime.db, runtime.blobs, open_source(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[0])
    row["text"] = "Обновлено: кристаллы закончились (SYNTHETIC)"
    lines[0] = json.dumps(row, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = ingest_source(runtime.db, runtime.blobs, open_source(path))
    assert (res.new, res.updated, res.unchanged) == (0, 1, 4)


def test_duplicate_rows_in_one_file_are_stored_once(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "dups.jsonl"
    line = json.dumps({"text": "одинаковый пост (SYNTHETIC)"}, ensure_ascii=False)
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    res = ingest_source(runtime.db, runtime.blobs, open_source(path))
    assert res.new == 1 and res.unchanged == 1


def test_json_array_of_records(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    rows = [{"id": 1, "text": "one"}, {"id": 2, "text": "два", "score": 0.5}]
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    src = open_source(path)
    assert isinstance(src, JsonArraySource)
    items = list(src.iter_items())
    assert [(i.external_id, i.text) for i in items] == [("1", "one"), ("2", "два")]
    assert items[1].meta == {"score": 0.5}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.json", '{"id": 1, "text": "x"}\n{"id": 2, "text": "y"}\n', "jsonl"),
        ("a.txt", '{"id": 1, "text": "x"}\n', "jsonl"),
        ("a.jsonl", '{\n "name": "x",\n "messages": []\n}\n', "jsonl"),
        ("result.json", '{\n "name": "x",\n "messages": []\n}\n', "telegram"),
        ("one-line.json", '{"name": "x", "type": "public_channel", "messages": []}', "telegram"),
        ("a.dat", '[{"text": "x"}]', "json"),
        ("a.json", "  \n[]", "json"),
        ("a.tsv", "id\ttext\n1\tx\n", "csv"),
        ("a.jsonl.bak", "text\nx\n", "csv"),
    ],
)
def test_format_is_detected_from_content(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert detect_format(path, path.read_bytes().removeprefix(b"\xef\xbb\xbf")) == expected


def test_tsv_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "rows.tsv"
    path.write_text("id\ttext\tcity\n1\tпривет, мир\tАлматы\n", encoding="utf-8")
    items = list(open_source(path).iter_items())
    assert items[0].text == "привет, мир" and items[0].meta == {"city": "Алматы"}


def test_forced_format_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text('{"id": "x1", "text": "a"}\n', encoding="utf-8")
    assert isinstance(open_source(path, fmt="jsonl"), JsonLinesSource)
    assert open_source(path, fmt="jsonl", name="custom").name == "custom"


def test_single_column_csv_keeps_commas_in_the_text(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("text\nпривет, мир; как дела\nещё, одна, строка\n", encoding="utf-8")
    texts = [i.text for i in open_source(path).iter_items()]
    assert texts == ["привет, мир; как дела", "ещё, одна, строка"]


def test_header_delimiter_wins_over_punctuation_in_text(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    rows = "".join(f"{n};Продам, куплю, обменяю, {n} шт.\n" for n in range(20))
    path.write_text("id;text\n" + rows, encoding="utf-8")
    items = list(open_source(path).iter_items())
    assert items[3].external_id == "3" and items[3].text == "Продам, куплю, обменяю, 3 шт."


def test_nul_characters_and_long_values_are_storable(any_runtime: Runtime, tmp_path: Path) -> None:
    long_id = "x" * 400
    rows = [
        {"id": long_id, "text": "до\u0000после", "author": "a" * 500, "extra": "m\u0000eta"},
        {"id": "y" * 400, "text": "второй"},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    src = open_source(path, name="очень длинное имя " * 40)
    res = ingest_source(any_runtime.db, any_runtime.blobs, src)
    assert res.new == 2 and len(src.name) == 300
    with any_runtime.db.session() as s:
        rows_stored = s.scalars(select(ItemRecord).order_by(ItemRecord.text)).all()
    first = next(r for r in rows_stored if r.text.startswith("до"))
    assert first.text == "до\ufffdпосле" and first.meta == {"extra": "m\ufffdeta"}
    assert first.external_id.startswith("sha256:") and len(first.external_id) == 71
    assert len({r.external_id for r in rows_stored}) == 2 and len(first.author or "") == 300

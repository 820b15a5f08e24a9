"""Bad import files: each gets a coded IngestError that names the file and the problem."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from narcowatch.errors import IngestError
from narcowatch.ingest.files import open_source

FIXTURES = Path(__file__).parents[1] / "fixtures"
MALFORMED = FIXTURES / "telegram" / "malformed" / "result.json"
CSV_RU = "id,text\n1,Продам соль и мефедрон, закладки по Алматы (SYNTHETIC)\n2,Новости\n"


def fail(path: Path, **kwargs: object) -> IngestError:
    """Open and read the whole file, expecting an IngestError."""
    with pytest.raises(IngestError) as info:
        list(open_source(path, **kwargs).iter_items())  # type: ignore[arg-type]
    err = info.value
    assert str(path) in err.message, err.message
    assert str(err).startswith(f"{err.code}: ")
    return err


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_missing_file(tmp_path: Path) -> None:
    err = fail(tmp_path / "nope" / "result.json")
    assert err.code == "E101" and "not found" in err.message


def test_directory_instead_of_file(tmp_path: Path) -> None:
    err = fail(tmp_path)
    assert err.code == "E102" and "directory" in err.message


@pytest.mark.parametrize("content", [b"", b"   \n\n\t ", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n  "])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    err = fail(write(tmp_path, "result.json", content))
    assert err.code == "E103" and ("empty" in err.message or "whitespace" in err.message)


def test_sparse_one_gigabyte_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(1024**3)  # sparse: takes no disk space, never written
    started = time.perf_counter()
    err = fail(path)
    assert time.perf_counter() - started < 1.0
    assert err.code == "E104"
    assert "1.0 GiB" in err.message and "256.0 MiB" in err.message
    assert err.details["size"] == 1024**3


def test_limit_is_configurable(tmp_path: Path) -> None:
    path = write(tmp_path, "rows.csv", CSV_RU)
    assert fail(path, max_bytes=10).code == "E104"
    assert len(list(open_source(path, max_bytes=10_000).iter_items())) == 2


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("result.json", "hello, this is not json", "not JSON"),
        ("export.jsonl", "id;text\n1;x\n", "not JSON"),
        ("messages.html", "<!DOCTYPE html><html><body>Telegram</body></html>", "HTML"),
    ],
)
def test_not_json(tmp_path: Path, name: str, content: str, needle: str) -> None:
    err = fail(write(tmp_path, name, content))
    assert err.code == "E106" and needle in err.message


def test_truncated_export_names_where_it_stops() -> None:
    err = fail(MALFORMED)
    assert err.code == "E107" and "truncated" in err.message
    assert err.details["line"] == len(MALFORMED.read_text(encoding="utf-8").splitlines())


def test_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    text = '{\n "name": "x",\n "messages": [\n  {"id": 1 "text": "no comma"}\n ]\n}\n'
    err = fail(write(tmp_path, "result.json", text))
    assert err.code == "E106"
    assert (err.details["line"], err.details["column"]) == (4, 12)
    assert "line 4, column 12" in err.message


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"name": "x", "type": "public_channel", "id": 1}', 'no "messages" list'),
        ('{\n "about": "x",\n "contacts": {"list": []}\n}', 'no "messages" list'),
    ],
)
def test_json_of_the_wrong_shape(tmp_path: Path, content: str, needle: str) -> None:
    err = fail(write(tmp_path, "result.json", content))
    assert err.code == "E108" and needle in err.message


def test_forcing_telegram_on_a_list_is_the_wrong_shape(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "rows.json", '[{"text": "x"}]'), fmt="telegram")
    assert err.code == "E108" and "a list" in err.message


@pytest.mark.parametrize(
    ("message", "needle"),
    [('"just a string"', "message number 2 is a str"), ('{"type": "message"}', 'no usable "id"')],
)
def test_bad_message_in_export(tmp_path: Path, message: str, needle: str) -> None:
    text = f'{{"name": "x", "messages": [{{"id": 1, "text": "ok"}}, {message}]}}'
    err = fail(write(tmp_path, "result.json", text))
    assert err.code == "E114" and needle in err.message


@pytest.mark.parametrize(
    ("line", "needle"),
    [("[1, 2]", "line 3 is a list"), ('{"text": "cut', "line 3 is not valid JSON"), ("42", "int")],
)
def test_jsonl_line_that_is_not_an_object(tmp_path: Path, line: str, needle: str) -> None:
    text = '{"id": 1, "text": "a"}\n\n' + line + '\n{"id": 2, "text": "b"}\n'
    err = fail(write(tmp_path, "rows.jsonl", text))
    assert err.code == "E109" and needle in err.message
    assert err.details["line"] == 3


def test_jsonl_row_without_text_field_lists_its_fields(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "rows.jsonl", '{"id": 1, "body": "x", "city": "Алматы"}\n'))
    assert err.code == "E110" and "fields: body, city, id" in err.message


def test_csv_without_text_column_lists_columns(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "ads.csv", "id;title;body\n1;a;b\n"))
    assert err.code == "E110"
    assert "columns found: 'id', 'title', 'body'" in err.message
    assert err.details["columns"] == ["id", "title", "body"]


def test_nul_bytes_at_the_start_are_an_encoding_problem(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "rows.csv", "text\n" + "ok\n" * 3 + "bad\x00row\n"))
    assert err.code == "E105" and "NUL" in err.message and "line 5" in err.message


def test_csv_with_an_oversized_field_is_malformed(tmp_path: Path) -> None:
    huge = '"' + "x" * 200_000  # an unbalanced quote swallows the rest of the file
    err = fail(write(tmp_path, "rows.csv", "id,text\n1,ok\n2," + huge + "\n3,ok\n"))
    assert err.code == "E112" and "malformed CSV" in err.message and "field limit" in err.message


def test_unknown_format(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "rows.csv", CSV_RU), fmt="xml")
    assert err.code == "E111" and "auto, telegram" in err.message


@pytest.mark.parametrize(
    ("encode", "guess"),
    [
        (lambda s: s.encode("cp1251"), "cp1251"),
        (lambda s: s.encode("koi8_r"), "koi8-r"),
        (lambda s: s.encode("utf-16"), "utf-16"),
        (lambda s: s.encode("utf-16-le"), "utf-16"),
    ],
)
def test_wrong_encoding_names_a_likely_encoding(
    tmp_path: Path, encode: Callable[[str], bytes], guess: str
) -> None:
    err = fail(write(tmp_path, "ads.csv", encode(CSV_RU * 5)))
    assert err.code == "E105" and "UTF-8" in err.message
    assert guess in err.message and "iconv" in err.message


def test_bad_byte_deep_in_a_big_file_is_located(tmp_path: Path) -> None:
    good = "".join(
        json.dumps({"id": n, "text": f"пост номер {n} (SYNTHETIC)"}, ensure_ascii=False) + "\n"
        for n in range(5000)
    )
    bad = b'{"id": "x", "text": "' + "Продам соль".encode("cp1251") + b'"}\n'
    path = write(tmp_path, "rows.jsonl", good.encode("utf-8") + bad)
    err = fail(path)
    assert err.code == "E105" and err.details["line"] == 5001
    assert err.details["offset"] == len(good.encode("utf-8")) + len('{"id": "x", "text": "')


def test_bad_byte_deep_in_an_export_is_located(tmp_path: Path) -> None:
    msgs = [{"id": n, "type": "message", "text": f"сообщение {n}"} for n in range(3000)]
    text = json.dumps({"name": "big", "messages": msgs}, ensure_ascii=False, indent=1)
    raw = text.encode("utf-8").replace("сообщение 2999".encode(), "сообщение 2999".encode("cp1251"))
    err = fail(write(tmp_path, "result.json", raw))
    assert err.code == "E105"
    line = text[: text.index("сообщение 2999")].count("\n") + 1
    assert err.details["line"] == line and f"line {line}" in err.message


def test_binary_file_is_called_binary(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    err = fail(write(tmp_path, "photo.csv", png))
    assert err.code == "E105"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files regardless of permissions")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "rows.csv", CSV_RU)
    path.chmod(0)
    assert fail(path).code == "E113"


def test_offset_counts_the_bom(tmp_path: Path) -> None:
    body = b"id,text\n1,"
    path = write(tmp_path, "rows.csv", b"\xef\xbb\xbf" + body + "Привет".encode("cp1251"))
    err = fail(path)
    assert err.details["offset"] == 3 + len(body) and err.details["line"] == 2


@pytest.mark.parametrize(
    ("content", "code", "needle"),
    [
        ('[{"text": "a"}, 5]', "E114", "record 2 is a int"),
        ('[{"text": "a"}, {"text": "b"', "E107", "truncated"),
        ('[{"text": "a"} {"text": "b"}]', "E106", "line 1, column 16"),
    ],
)
def test_bad_json_array(tmp_path: Path, content: str, code: str, needle: str) -> None:
    err = fail(write(tmp_path, "rows.json", content))
    assert err.code == code and needle in err.message


def test_broken_first_line_of_a_jsonl_file(tmp_path: Path) -> None:
    err = fail(write(tmp_path, "rows.jsonl", '{"id": 1, "text": "a"\n{"id": 2, "text": "b"}\n'))
    assert err.code == "E109" and err.details["line"] == 1

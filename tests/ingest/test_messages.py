"""Import errors rendered in Russian, Kazakh and English from their code and details."""

from __future__ import annotations

from pathlib import Path

import pytest

from narcowatch.errors import IngestError
from narcowatch.i18n import LANGS, catalogue
from narcowatch.ingest.files import open_source
from narcowatch.ingest.messages import localize

CODES = [f"E1{n:02d}" for n in range(1, 15)]


def error_for(path: Path, **kwargs: object) -> IngestError:
    with pytest.raises(IngestError) as info:
        list(open_source(path, **kwargs).iter_items())  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize("lang", LANGS)
def test_every_code_has_text_in_every_language(lang: str) -> None:
    keys = catalogue(lang)
    for code in CODES:
        assert keys.get(f"ingest.errors.{code}"), (lang, code)
    for key in ("where.line", "where.column", "where.offset", "where.index", "hints.binary"):
        assert keys.get(f"ingest.{key}"), (lang, key)


def test_csv_without_text_column_in_three_languages(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("id;title;body\n1;a;b\n", encoding="utf-8")
    err = error_for(path)
    ru, kk, en = (localize(err, lang) for lang in ("ru", "kk", "en"))
    assert ru.startswith("E110: ") and "нет колонки с текстом 'text'" in ru
    assert "'id', 'title', 'body'" in ru and str(path) in ru
    assert "мәтін бағаны жоқ" in kk and "'body'" in kk
    assert "no text column 'text'" in en


def test_location_and_encoding_hint_are_translated(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_bytes(
        b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "'
        + "Продам соль, пишите в личку. ".encode("cp1251") * 5
    )
    err = error_for(path)
    ru = localize(err, "ru")
    assert "не в кодировке UTF-8" in ru and "строка 2" in ru and "iconv -f" in ru
    assert "2-жол" in localize(err, "kk")


def test_size_limit_is_human_readable(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as fh:
        fh.truncate(3 * 1024**2)
    text = localize(error_for(path, max_bytes=1024**2), "ru")
    assert "3.0 MiB" in text and "1.0 MiB" in text and "больше предела" in text

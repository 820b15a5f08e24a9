"""The lexicon files load, cover the three languages and reject malformed YAML clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from narcowatch.classify.lexicon_data import CATEGORIES, load_lexicon, load_lexicon_file
from narcowatch.errors import ClassifyError


def test_project_lexicon_covers_languages_and_categories() -> None:
    entries = load_lexicon()
    assert {e.lang for e in entries} == {"ru", "kk", "en"}
    assert {e.category for e in entries} == CATEGORIES
    assert all(e.weight < 0 for e in entries if e.category == "context_negative")
    terms = {v for e in entries for v in e.variants}
    for needed in ["меф", "мяу", "закладк*", "мастер клад*", "есірткі*", "molly", "❄️", "🍁"]:
        assert needed in terms, needed


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("entries: [", "not valid YAML"),
        ("- just a list", "'entries' list"),
        ("entries:\n  - {term: x, category: nonsense, weight: 1}", "'category' must be one of"),
        ("entries:\n  - {term: x, category: sale, weight: big}", "'weight' must be a number"),
        ("entries:\n  - {term: x, category: sale, weight: -1}", "context_negative only"),
        ("entries:\n  - {term: x, category: sale, weight: 1, variants: [1]}", "'variants'"),
        ("entries:\n  - {term: x, category: sale, weight: 1, colour: red}", "unknown keys"),
        ("entries:\n  - {term: x, category: shop, weight: 1, pattern: '(['}", "regular expression"),
    ],
)
def test_malformed_lexicon_is_refused_with_file_and_entry(
    tmp_path: Path, body: str, problem: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ClassifyError) as err:
        load_lexicon_file(path)
    assert err.value.code == "E210"
    assert problem in err.value.message
    assert str(path) in err.value.message


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(ClassifyError, match="file not found"):
        load_lexicon_file(tmp_path / "absent.yaml")
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes("entries: [{term: caf\xe9}]".encode("latin-1"))
    with pytest.raises(ClassifyError, match="not UTF-8"):
        load_lexicon_file(latin)

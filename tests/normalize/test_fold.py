"""Folding sees through obfuscation and keeps an exact map back to the original text."""

from __future__ import annotations

import json

import pytest

from narcowatch.normalize.fold import fold
from narcowatch.normalize.text import normalize_text
from narcowatch.paths import data_root


def assert_offsets(text: str) -> None:
    doc = normalize_text(text)
    assert len(doc.folded) == len(doc.offsets)
    assert all(0 <= o < len(text) for o in doc.offsets)
    assert doc.offsets == sorted(doc.offsets)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("мeф", "меф"),  # Latin e inside a Cyrillic word
        ("MЕФЕДРОН", "мефедрон"),  # Latin M, Cyrillic rest
        ("3акладки", "закладки"),  # digit for a letter
        ("m3ф", "меф"),  # Latin m, leet 3 = e, Cyrillic ф
        ("нарк0тики", "наркотики"),
        ("з.а.к.л.а.д.к.и", "закладки"),
        ("м е ф", "меф"),
        ("w-e-e-d", "weed"),
        ("𝐦𝐞𝐟 ｍｅｆ ⓜⓔⓕ ᴍᴇꜰ", "mef mef mef mef"),
        ("з\u200bак\u200dлад\u2060ки", "закладки"),
        ("\u202eмеф\u202c", "меф"),
        ("мееееф", "меф"),
        ("и\u0306од", "йод"),  # decomposed й is composed, not dropped
    ],
)
def test_obfuscation_is_folded(text: str, expected: str) -> None:
    assert normalize_text(text).folded.strip() == expected
    assert_offsets(text)


@pytest.mark.parametrize(
    "text",
    ["1г 15000тг trc20 4mmc", "т.е. г. Алматы 12.05.2024", "telegramда usdtға kaspi-ға", "а и в"],
)
def test_ordinary_writing_is_left_alone(text: str) -> None:
    assert normalize_text(text).folded == text.lower()


def test_emoji_become_word_tokens_mapped_to_the_emoji() -> None:
    text = "Меф ❄️ и 🍁"
    doc = normalize_text(text)
    assert "emoji_snow" in doc.folded and "emoji_leaf" in doc.folded
    start = doc.folded.index("emoji_snow")
    s, e = doc.original_span(start, start + len("emoji_snow"))
    assert text[s:e] == "❄"


def test_original_span_points_at_the_obfuscated_word() -> None:
    text = "Продам з.а.к.л.а.д.к.и и мeф"
    doc = normalize_text(text)
    start = doc.folded.index("закладки")
    s, e = doc.original_span(start, start + len("закладки"))
    assert text[s:e] == "з.а.к.л.а.д.к.и"
    start = doc.folded.index("меф")
    s, e = doc.original_span(start, start + 3)
    assert text[s:e] == "мeф"


def test_signals_count_obfuscation() -> None:
    doc = normalize_text("мeф 3акладки з.а.к.л.а.д.к.и мееееф")
    assert doc.signals["mixed_script_words"] == 1
    assert doc.signals["leet_words"] == 1
    assert doc.signals["separated_words"] == 1
    assert doc.signals["repeated_letters"] == 1


def test_mixed_script_signal_never_fires_on_ordinary_russian_or_kazakh() -> None:
    """Every clean Russian and Kazakh text of the corpus (handles, prices, brands included)."""
    checked = 0
    with (data_root() / "corpus" / "corpus.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row["lang"] in ("ru", "kk") and row["obfuscation"] == "none":
                assert fold(row["text"]).signals["mixed_script_words"] == 0, row["text"]
                checked += 1
    assert checked > 2000


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\x00\x01\x02\x7f",
        "\ud800 lone surrogate \udfff",
        "\u202e\u200f\u200e\u061c rtl marks",
        "\ufeff\u200b\u200c\u200d",
        bytes(range(256)).decode("latin-1"),
        "🏳️‍🌈👨‍👩‍👧‍👦" * 10,
    ],
)
def test_bad_input_does_not_crash(text: str) -> None:
    assert_offsets(text) if text else None
    doc = normalize_text(text)
    assert doc.lang in {"ru", "kk", "en", "mixed", "und"}


def test_one_megabyte_is_folded_quickly_and_long_texts_are_cut() -> None:
    text = ("Продам меф закладки 24/7 @shop_bot " * 30_000)[:1_000_000]
    doc = normalize_text(text)
    assert doc.signals.get("truncated_chars", 0) == 1_000_000 - 200_000
    assert len(doc.folded) == len(doc.offsets) <= 210_000

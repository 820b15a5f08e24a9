"""Segmentation of a text by overlapping reason and indicator spans."""

from __future__ import annotations

import pytest

from narcowatch.web.highlight import group_reasons, segments


def test_overlapping_and_nested_spans() -> None:
    text = "buy meph @shop now"
    reasons = [{"start": 0, "end": 8}, {"start": 4, "end": 10}]
    indicators = [{"start": 9, "end": 14}]
    result = [(s.text, s.reasons, s.indicators) for s in segments(text, reasons, indicators)]
    assert result == [
        ("buy ", [0], []),
        ("meph", [0, 1], []),
        (" ", [1], []),
        ("@", [1], [0]),
        ("shop", [], [0]),
        (" now", [], []),
    ]
    assert "".join(s.text for s in segments(text, reasons, indicators)) == text


@pytest.mark.parametrize(
    "span",
    [
        {"start": -5, "end": 3},  # clamped to the start
        {"start": 2, "end": 999},  # clamped to the end
    ],
)
def test_spans_outside_the_text_are_clamped(span: dict[str, int]) -> None:
    parts = segments("abcdef", [span])
    assert "".join(p.text for p in parts) == "abcdef"
    assert any(p.reasons for p in parts)


@pytest.mark.parametrize(
    "span", [{"start": 4, "end": 4}, {"start": 5, "end": 2}, {"start": "x", "end": 2}, {}]
)
def test_unusable_spans_are_ignored(span: dict[str, object]) -> None:
    parts = segments("abcdef", [span])
    assert [(p.text, p.marked) for p in parts] == [("abcdef", False)]


def test_empty_text() -> None:
    assert segments("", [{"start": 0, "end": 3}]) == []


def test_reasons_are_grouped_by_term_heaviest_first() -> None:
    text = "мефедрон, Мефедрон и шишки"
    reasons = [
        {"term": "мефедрон", "kind": "substance", "weight": 2.2, "start": 0, "end": 8},
        {"term": "шишки", "kind": "substance", "weight": 1.4, "start": 21, "end": 26},
        {"term": "мефедрон", "kind": "substance", "weight": 2.2, "start": 10, "end": 18},
        {"term": "мефедрон", "kind": "substance", "weight": 2.2, "start": 0, "end": 8},
        {"term": "bad", "kind": "x", "weight": "n/a"},
    ]
    groups = [(g.term, g.count, g.matches, g.weight) for g in group_reasons(text, reasons)]
    assert groups == [
        ("мефедрон", 3, ["мефедрон", "Мефедрон"], 2.2),
        ("шишки", 1, ["шишки"], 1.4),
        ("bad", 1, [], 0.0),
    ]

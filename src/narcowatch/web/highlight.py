"""Split a text into segments so that overlapping reason and indicator spans can be marked.

Every span boundary cuts the text; each segment knows which reasons and indicators cover
it. The template then escapes each segment's text (never the view), so nothing the text
contains can become markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any


@dataclass
class Segment:
    text: str
    reasons: list[int] = field(default_factory=list)  # indexes into the reasons list
    indicators: list[int] = field(default_factory=list)  # indexes into the indicators list

    @property
    def marked(self) -> bool:
        return bool(self.reasons or self.indicators)


def _spans(items: Iterable[Mapping[str, Any]], length: int) -> list[tuple[int, int, int]]:
    """(start, end, index) of every usable span, clamped to the text."""
    spans = []
    for index, item in enumerate(items):
        try:
            start, end = int(item["start"]), int(item["end"])
        except (KeyError, TypeError, ValueError):
            continue
        start, end = max(0, start), min(length, end)
        if start < end:
            spans.append((start, end, index))
    return spans


def segments(
    text: str,
    reasons: Iterable[Mapping[str, Any]] = (),
    indicators: Iterable[Mapping[str, Any]] = (),
) -> list[Segment]:
    """The text cut at every span boundary, each piece with the spans covering it."""
    reason_spans = _spans(reasons, len(text))
    indicator_spans = _spans(indicators, len(text))
    cuts = {0, len(text)}
    for start, end, _ in reason_spans + indicator_spans:
        cuts.update((start, end))
    bounds = sorted(cuts)
    result = []
    for left, right in pairwise(bounds):
        result.append(
            Segment(
                text=text[left:right],
                reasons=[i for s, e, i in reason_spans if s <= left and right <= e],
                indicators=[i for s, e, i in indicator_spans if s <= left and right <= e],
            )
        )
    return result


@dataclass
class ReasonGroup:
    """Reasons with the same term and kind, counted once for the side table."""

    term: str
    kind: str
    weight: float
    count: int
    matches: list[str]


def group_reasons(text: str, reasons: Iterable[Mapping[str, Any]]) -> list[ReasonGroup]:
    """One row per (term, kind), heaviest first, with the distinct spellings found in ``text``."""
    groups: dict[tuple[str, str], ReasonGroup] = {}
    for reason in reasons:
        key = (str(reason.get("term", "")), str(reason.get("kind", "")))
        try:
            weight = float(reason.get("weight", 0.0))
        except (TypeError, ValueError):
            weight = 0.0
        group = groups.setdefault(key, ReasonGroup(key[0], key[1], weight, 0, []))
        group.count += 1
        group.weight = max(group.weight, weight)
        span = _spans([reason], len(text))
        if span:
            match = text[span[0][0] : span[0][1]]
            if match not in group.matches:
                group.matches.append(match)
    return sorted(groups.values(), key=lambda g: -g.weight)

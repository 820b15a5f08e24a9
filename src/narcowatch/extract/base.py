"""The extractor interface and the indicator it returns."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any, Protocol


@dataclass
class Indicator:
    """One hit: ``value`` is the normal form, ``raw`` the text as written at ``start:end``."""

    type: str
    value: str
    raw: str
    start: int
    end: int
    valid: bool = True
    extractor: str = ""
    # Extra facts about the hit, e.g. {"scheme": "visa"} or {"asset": "USDT", "network": "TRC20"}.
    meta: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Extractor(Protocol):
    name: str  # versioned, e.g. "phones.v1"

    def extract(self, text: str) -> list[Indicator]: ...


_DIGIT_RUN = re.compile(r"\d+")
_SPACE = re.compile(r"\s")


@lru_cache(maxsize=16)
def digit_windows(text: str, margin: int = 48) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` worth scanning for number-shaped indicators.

    Phones, cards, IBANs, IINs, wallets, coordinates, prices and quantities all contain
    digits. Instead of each extractor running its regular expression over the whole text,
    the digit runs are found once (cached for the text) and grouped; each window reaches
    ``margin`` characters beyond its digits and then out to whole tokens, so a match never
    starts or ends inside a cut word. Regular expressions are then run with ``pos/endpos``.
    """
    windows: list[tuple[int, int]] = []
    n = len(text)
    for run in _DIGIT_RUN.finditer(text):
        start = max(0, run.start() - margin)
        end = min(n, run.end() + margin)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    out: list[tuple[int, int]] = []
    for start, end in windows:
        before = text.rfind(" ", 0, start) if start else -1
        start = 0 if before < 0 or start - before > 200 else before
        after = _SPACE.search(text, end)
        end = n if after is None or after.start() - end > 200 else after.start()
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return tuple(out)


def finditer_near_digits(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer`` restricted to the ``digit_windows`` of ``text``."""
    for start, end in digit_windows(text):
        yield from pattern.finditer(text, start, end)

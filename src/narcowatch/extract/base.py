"""The extractor interface, the indicator it returns, and the shared pre-scan of a text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
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


# ``\d\d*`` rather than ``\d+``: a pattern opening with a character set lets ``re`` skip
# to candidate characters in C instead of trying a match at every position.
_DIGIT_RUN = re.compile(r"\d\d*")
_SPACE = re.compile(r"\s")
MARGIN = 48

Span = tuple[int, int]
# A window, the digit runs inside it and how many digits they hold.
Window = tuple[int, int, tuple[Span, ...], int]


class Scan:
    """What every extractor needs to know about a text, computed once per text.

    ``low`` is ``text.lower()`` (for literal gates only: its length may differ); ``runs``
    are the digit runs; ``windows`` group them (see ``digit_windows``) with the runs each
    window holds, so the number-shaped extractors can test cheap necessary conditions on
    the runs (a card needs 13 digits, an IIN a run of 6, a price a currency word right after
    a run) and run their regular expressions only over the windows that pass.
    """

    __slots__ = ("low", "runs", "text", "windows")

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = text.lower()
        self.runs: list[Span] = [m.span() for m in _DIGIT_RUN.finditer(text)]
        self.windows: tuple[Window, ...] = _group(text, self.runs) if self.runs else ()

    def select(self, test: Callable[[str, int, int], object]) -> list[Window]:
        """Windows holding at least one digit run ``(start, end)`` that passes ``test``."""
        text = self.text
        out = []
        for window in self.windows:
            for s, e in window[2]:
                if test(text, s, e):
                    out.append(window)
                    break
        return out


def _group(text: str, runs: list[Span]) -> tuple[Window, ...]:
    n = len(text)
    windows: list[list[Any]] = []
    for run in runs:
        start = max(0, run[0] - MARGIN)
        end = min(n, run[1] + MARGIN)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
            windows[-1][2].append(run)
        else:
            windows.append([start, end, [run]])
    out: list[list[Any]] = []
    for start, end, inside in windows:
        before = text.rfind(" ", 0, start) if start else -1
        start = 0 if before < 0 or start - before > 200 else before
        after = _SPACE.search(text, end)
        end = n if after is None or after.start() - end > 200 else after.start()
        if out and start <= out[-1][1]:
            out[-1][1] = end
            out[-1][2].extend(inside)
        else:
            out.append([start, end, inside])
    return tuple((s, e, tuple(r), sum(b - a for a, b in r)) for s, e, r in out)


@lru_cache(maxsize=16)
def scan(text: str) -> Scan:
    """The ``Scan`` of ``text``; cached so the twelve extractors share one."""
    return Scan(text)


def digit_windows(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` worth scanning for number-shaped indicators.

    Phones, cards, IBANs, IINs, wallets, coordinates, prices and quantities all contain
    digits. Instead of each extractor running its regular expression over the whole text,
    the digit runs are found once (cached for the text) and grouped; each window reaches
    ``MARGIN`` characters beyond its digits and then out to whole tokens, so a match never
    starts or ends inside a cut word. Regular expressions are then run with ``pos/endpos``.
    """
    return tuple((w[0], w[1]) for w in scan(text).windows)


def finditer_in(
    pattern: re.Pattern[str], text: str, windows: Iterable[Window], lead: int | None = None
) -> Iterator[re.Match[str]]:
    """``pattern.finditer`` over each of ``windows`` in turn.

    With ``lead``, a match is known to start at most ``lead`` characters before a digit, so
    the scan of a window starts there (look-behinds still see the text before it).
    """
    for start, end, runs, _ in windows:
        if lead is not None:
            start = max(start, runs[0][0] - lead)
        yield from pattern.finditer(text, start, end)


def finditer_near_digits(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer`` restricted to the ``digit_windows`` of ``text``."""
    return finditer_in(pattern, text, scan(text).windows)

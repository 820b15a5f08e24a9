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

# The class of each character of the lowercase text, one byte per character: the text is
# encoded to UTF-8, each lead byte is translated to its class and every continuation byte
# dropped (``bytes.translate`` does both at memory speed). "L" a-z, "D" an ASCII digit, "A"
# "@", "C" a character of U+0400-U+047F (Cyrillic, а-яё among them), "H" one from U+0640 up
# (where the decimal digits of other scripts are), " " anything else. Literal searches in
# it (``in``, ``find``, ``rb"DD*"``) are what ``re`` and ``bytes`` do fastest, unlike a set
# such as ``\d``, which ``re`` tests character by character.
BYTE_CLASSES = bytes(
    ord(
        "L"
        if 0x61 <= b <= 0x7A
        else "D"
        if 0x30 <= b <= 0x39
        else "A"
        if b == 0x40
        else "C"
        if b in (0xD0, 0xD1)
        else "H"
        if 0xD9 <= b <= 0xF4
        else " "
    )
    for b in range(256)
)
CONTINUATION_BYTES = bytes(range(0x80, 0xC0))
_ASCII_DIGIT_RUN = re.compile(rb"DD*")
# Characters ``re.IGNORECASE`` equates with a Latin or Cyrillic letter although ``str.lower``
# leaves them alone: dotless i, long s and the old Cyrillic small letters (U+1C80-U+1C88).
_CASE_ODD = re.compile("[\u0131\u017f\u1c80-\u1c88]")

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

    __slots__ = ("_caseless", "classes", "low", "marks", "runs", "text", "windows")

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = low = text.lower()
        self._caseless: str | bool | None = False
        self.marks: Any = None  # ``marks.Marks``, filled on first use by ``marks.marks``
        # ``char_classes(low)``; None when lowering changed the length.
        self.classes: bytes | None = None
        runs: list[Span] | None = None
        if len(low) == len(text):
            self.classes = classes = char_classes(low)
            if b"H" not in classes or not _non_ascii_decimal(low, classes):
                # Only ASCII digits: their runs, found in C at memory speed.
                runs = [m.span() for m in _ASCII_DIGIT_RUN.finditer(classes)]
        if runs is None:
            runs = [m.span() for m in _DIGIT_RUN.finditer(text)]
        self.runs: list[Span] = runs
        self.windows: tuple[Window, ...] = _group(text, self.runs) if self.runs else ()

    @property
    def caseless(self) -> str | None:
        """``low`` if a lowercase pattern over it matches as the IGNORECASE one over ``text``.

        True when lowering kept every character in place (same length) and the text holds
        none of the few characters IGNORECASE folds differently from ``str.lower``; then
        spans found in ``low`` are spans in ``text``. ``None`` otherwise (use ``text``).
        A case-sensitive pattern can open with a literal or a character set where the
        IGNORECASE one cannot, so ``re`` skips to candidates in C.
        """
        if self._caseless is False:
            low = self.low
            exact = len(low) == len(self.text) and (low.isascii() or not _CASE_ODD.search(low))
            self._caseless = low if exact else None
        return self._caseless  # type: ignore[return-value]

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


def char_classes(low: str) -> bytes:
    """One ``BYTE_CLASSES`` byte per character of ``low`` (see there)."""
    return low.encode("utf-8", "surrogatepass").translate(BYTE_CLASSES, CONTINUATION_BYTES)


def _non_ascii_decimal(low: str, classes: bytes, limit: int = 64) -> bool:
    """Whether a decimal digit beyond ASCII (Arabic-Indic, Devanagari, fullwidth ...) occurs.

    Only characters from U+0640 up can be one, and each is asked. Past ``limit`` of them the
    answer is "maybe" (True), and the caller takes the exact, slower way.
    """
    pos = classes.find(b"H")
    seen = 0
    while pos >= 0:
        seen += 1
        if seen > limit or low[pos].isdecimal():
            return True
        pos = classes.find(b"H", pos + 1)
    return False


def _group(text: str, runs: list[Span]) -> tuple[Window, ...]:
    """Runs grouped into windows: ``MARGIN`` around each, merged, widened to whole tokens."""
    n = len(text)
    spans: list[list[Any]] = []
    for run in runs:
        start, end = run
        start = start - MARGIN if start > MARGIN else 0
        end = end + MARGIN if end + MARGIN < n else n
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
            spans[-1][2].append(run)
        else:
            spans.append([start, end, [run]])
    rfind, search = text.rfind, _SPACE.search
    out: list[list[Any]] = []
    for start, end, inside in spans:
        if start:
            before = rfind(" ", 0, start)
            start = 0 if before < 0 or start - before > 200 else before
        after = search(text, end)
        end = n if after is None or after.start() - end > 200 else after.start()
        if out and start <= out[-1][1]:
            out[-1][1] = end
            out[-1][2].extend(inside)
        else:
            out.append([start, end, inside])
    return tuple(
        (s, e, tuple(r), sum([b for _, b in r]) - sum([a for a, _ in r])) for s, e, r in out
    )


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


def occurrences(haystack: str, words: Iterable[str]) -> list[int]:
    """Every index where one of ``words`` occurs in ``haystack``, ascending (``str.find``)."""
    found = []
    for word in words:
        at = haystack.find(word)
        while at >= 0:
            found.append(at)
            at = haystack.find(word, at + 1)
    found.sort()
    return found


def finditer_from(
    pattern: re.Pattern[str], text: str, starts: Iterable[int]
) -> list[re.Match[str]]:
    """``list(pattern.finditer(text))`` when every match begins at one of ``starts`` (ascending).

    ``finditer`` tries each position from the end of the last match on; here only the given
    positions are tried, in order, with ``match`` (look-behinds still see the text before).
    That yields the same matches whenever no other position can begin one, and spares
    a pattern that opens with a look-behind being tried at every character in Python's ``re``.
    """
    found = []
    done = 0
    for pos in starts:
        if pos < done:
            continue
        m = pattern.match(text, pos)
        if m is not None:
            found.append(m)
            done = max(m.end(), pos + 1)
    return found

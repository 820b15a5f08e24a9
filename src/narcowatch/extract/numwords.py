"""Letters written for digits, undone without moving any character.

Shops write ``+7 7O1 ЗЗ4 ...`` (Latin O, Cyrillic О and З) so that filters looking for digits
miss them. ``digitize`` returns a string of the same length where such letters, when they
stand among digits and not inside a word, are replaced by the digit they imitate; offsets
found in the result are offsets in the original text.
"""

from __future__ import annotations

import re

from narcowatch.extract.base import scan
from narcowatch.extract.marks import any_in, gate_words

_LOOKALIKES = {"O": "0", "o": "0", "О": "0", "о": "0", "З": "3", "з": "3", "l": "1", "I": "1"}
# A digit with a lookalike letter after it or before it (one separator allowed between), written
# to open with ``\d`` so that ``re`` skips to digits in C; tried as two branches opening with
# character sets, it had no prefix and tried both at every position.
_ANY_LOOKALIKE = re.compile(r"\d(?:[ \-.]?[OoОоЗзlI]|(?<=[OoОоЗзlI]\d)|(?<=[OoОоЗзlI][ \-.]\d))")
_RUN_RE = re.compile(r"(?<![^\W\d_])[OoОоЗзlI]+(?![^\W\d_])")
_NEAR_DIGIT = re.compile(r"\d[ \-.]?$")
_DIGIT_AFTER = re.compile(r"[ \-.]?\d")


def digitize(text: str) -> str:
    """``text`` with lookalike letters next to digits turned into digits (same length)."""
    if not _ANY_LOOKALIKE.search(text):
        return text
    chars = list(text)
    for m in _RUN_RE.finditer(text):
        before = _NEAR_DIGIT.search(text[max(0, m.start() - 2) : m.start()])
        after = _DIGIT_AFTER.match(text, m.end())
        if before or after:
            for k in range(m.start(), m.end()):
                chars[k] = _LOOKALIKES[text[k]]
    return "".join(chars)


DIGIT_WORDS = {
    "ноль": "0",
    "нуль": "0",
    "один": "1",
    "одна": "1",
    "два": "2",
    "две": "2",
    "три": "3",
    "четыре": "4",
    "пять": "5",
    "шесть": "6",
    "семь": "7",
    "восемь": "8",
    "девять": "9",
    "нөл": "0",
    "бір": "1",
    "екі": "2",
    "үш": "3",
    "төрт": "4",
    "бес": "5",
    "алты": "6",
    "жеті": "7",
    "сегіз": "8",
    "тоғыз": "9",
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# One of these is in every run of three number words that could make a phone.
_GATE_WORDS = gate_words(
    "ноль",
    "нуль",
    "семь",
    "восемь",
    "нөл",
    "жеті",
    "zero",
    "seven",
    "eight",
    "один",
    "два",
    "бір",
    "one",
    "two",
)
_TOKEN = re.compile(r"плюс|plus|\+|\d+|[^\W\d_]+", re.IGNORECASE)
_GAP = re.compile(r"[\s,.\-–—/()]*")


def spelled_numbers(text: str) -> list[tuple[int, int, str]]:
    """Runs of digits written as words (``восемь семь ноль один ...``), mixed with digits.

    Returns ``(start, end, digits)`` with a leading ``+`` when "плюс"/"plus" opens the run;
    only runs with at least three number words and seven digits are returned.
    """
    if not any_in(text, _GATE_WORDS):
        return []
    low = scan(text).low
    runs: list[tuple[int, int, str]] = []
    digits, words, start, end = "", 0, -1, -1
    for m in _TOKEN.finditer(low):
        token = m.group(0)
        value = "+" if token in ("плюс", "plus", "+") else DIGIT_WORDS.get(token)
        if value is None:
            if token.isdigit():
                value = token
            elif not digits:
                continue  # an ordinary word with no run open: nothing to close
        gap = low[end : m.start()] if end >= 0 else ""
        contiguous = end >= 0 and _GAP.fullmatch(gap) is not None
        if value is None or (value == "+" and digits) or (digits and not contiguous):
            if words >= 3 and sum(ch.isdigit() for ch in digits) >= 7:
                runs.append((start, end, digits))
            digits, words, start, end = "", 0, -1, -1
            if value is None:
                continue
        if not digits:
            start = m.start()
        digits += value
        words += token not in ("+",) and not token.isdigit()
        end = m.end()
    if words >= 3 and sum(ch.isdigit() for ch in digits) >= 7:
        runs.append((start, end, digits))
    return runs

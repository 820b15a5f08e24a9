"""Small text helpers shared by the extractors: boundaries, refanging, lookalike digits."""

from __future__ import annotations

import re

# Defanged dots as shops and threat reports write them: [.] (.) {.} [dot] (dot) " . "
DOT_RE = r"(?:\s?[\[\(\{]\s?(?:\.|dot|точка)\s?[\]\)\}]\s?|\.|\s\.\s?|\s?\.\s)"
_DEFANG_DOT = re.compile(
    r"\s?[\[\(\{]\s?(?:\.|dot|точка)\s?[\]\)\}]\s?|\s?\\?\.\s?|\s(?:dot|точка)\s", re.IGNORECASE
)

TRAILING_PUNCT = ".,;:!?'\"»”’…"
_PAIRS = {")": "(", "]": "[", "}": "{"}

# Letters people type for digits: Latin/Cyrillic O and o for 0, Cyrillic З/з for 3.
LOOKALIKE_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "О": "0", "о": "0", "З": "3", "з": "3", "l": "1", "I": "1"}
)


def refang_dots(text: str) -> str:
    """``shop[.]kz`` / ``shop (dot) kz`` / ``shop . kz`` / ``shop\\.kz`` -> ``shop.kz``."""
    return _DEFANG_DOT.sub(".", text)


def trim_trailing(raw: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets from a link."""
    while raw:
        last = raw[-1]
        if last in TRAILING_PUNCT or (last in _PAIRS and raw.count(last) > raw.count(_PAIRS[last])):
            raw = raw[:-1]
        else:
            break
    return raw

"""Indicators a shop leaves in a post (handles, bot handles, prices with a currency, weights,
crypto, links, phones, drug emoji), counted in one regex pass per text.

``INDICATOR_PATTERNS`` is the definition: one alternation over the folded text, where the first
alternative that matches at a position names the indicator. Written that way, ``re`` tries every
alternative at every character of every post. ``count_indicators`` gives the same counts
several times faster, by two exact rewrites:

- each alternative is split into its first character and the rest; the pass consumes one
  character of the union of first characters, then each alternative checks it with a one-
  character lookbehind. The pattern then opens with a character class, and ``re`` skips in C
  to the few characters (digits, ``@``...) that can start a match;
- indicators whose literal marker (``@``, ``emoji_``, a crypto word, a link part) is absent
  from the text cannot match, so they are left out of the pass for that text.
"""

from __future__ import annotations

import re
from functools import cache

INDICATOR_PATTERNS: dict[str, str] = {
    "bot_handle": r"@\w*bot\b",
    "handle": r"@\w{3,}",
    "price": r"\d[\d .,]*\s?(?:₸|тг|тенге|теңге|к\b|руб|₽|\$|usdt|usd|долл|bucks)|\$\d",
    "weight": r"(?<![\w.,])\d+(?:[.,]\d+)?\s?(?:г|гр|грамм\w*|g|gr|oz)(?!\w)",
    "crypto": r"\b(?:btc|usdt|trc-?20|ltc|xmr|monero|биткоин\w*|крипт\w*)\b",
    "link": r"https?://|\.(?:onion|shop|top|site|online)\b|t\.me/",
    "phone": r"(?:\+7|\b8)[\s-]?7\d\d[\s-]?\d{3}[\s-]?\d\d[\s-]?\d\d",
    "emoji": r"emoji_(?:snow|gem|ice|leaf|herb|mushroom|pill|candy|bolt|rocket)",
}
INDICATORS = list(INDICATOR_PATTERNS)
# the definition as one pass (what count_indicators must agree with)
REFERENCE_RE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in INDICATOR_PATTERNS.items()))

_PHONE_TAIL = r"[\s-]?7\d\d[\s-]?\d{3}[\s-]?\d\d[\s-]?\d\d"
# crypto words: the literal start each needs -> the pattern after its first letter
_CRYPTO = {
    "btc": "tc",
    "usdt": "sdt",
    "trc": "rc-?20",
    "ltc": "tc",
    "xmr": "mr",
    "monero": "onero",
    "биткоин": r"иткоин\w*",
    "крипт": r"рипт\w*",
}
# INDICATOR_PATTERNS split into (first character, rest), alternative by alternative, in order;
# a leading \b before a letter becomes "no word character before the consumed one"
SPLIT: dict[str, list[tuple[str, str]]] = {
    "bot_handle": [("@", r"\w*bot\b")],
    "handle": [("@", r"\w{3,}")],
    "price": [
        (r"\d", r"[\d .,]*\s?(?:₸|тг|тенге|теңге|к\b|руб|₽|\$|usdt|usd|долл|bucks)"),
        (r"\$", r"\d"),
    ],
    "weight": [(r"\d", r"(?<![\w.,]\d)\d*(?:[.,]\d+)?\s?(?:г|гр|грамм\w*|g|gr|oz)(?!\w)")],
    "crypto": [(w[0], rf"(?<!\w{w[0]}){rest}\b") for w, rest in _CRYPTO.items()],
    "link": [("h", r"ttps?://"), (r"\.", r"(?:onion|shop|top|site|online)\b"), ("t", r"\.me/")],
    "phone": [(r"\+", "7" + _PHONE_TAIL), ("8", r"(?<!\w8)" + _PHONE_TAIL)],
    "emoji": [("e", r"moji_(?:snow|gem|ice|leaf|herb|mushroom|pill|candy|bolt|rocket)")],
}
# substrings without which an indicator cannot match; the others are always looked for
_LINK_MARKERS = ("://", ".onion", ".shop", ".top", ".site", ".online", "t.me/")
_INDEX = {k: j for j, k in enumerate(INDICATORS)}


@cache
def _pass(handles: bool, crypto: bool, link: bool, emoji: bool) -> re.Pattern[str]:
    """One pass over the indicators that may occur (in definition order), opening with a class."""
    absent = {
        "bot_handle": not handles,
        "handle": not handles,
        "crypto": not crypto,
        "link": not link,
        "emoji": not emoji,
    }
    names = [name for name in INDICATORS if not absent.get(name)]
    firsts = dict.fromkeys(first for name in names for first, _ in SPLIT[name])
    groups = (
        f"(?P<{name}>" + "|".join(f"(?<={first}){rest}" for first, rest in SPLIT[name]) + ")"
        for name in names
    )
    return re.compile(f"[{''.join(firsts)}](?:{'|'.join(groups)})")


def count_indicators(folded: str, counts: list[int], base: int = 0) -> None:
    """Add each indicator's matches in ``folded`` to ``counts[base + INDICATORS.index(name)]``."""
    has = folded.__contains__
    pattern = _pass(
        "@" in folded, any(map(has, _CRYPTO)), any(map(has, _LINK_MARKERS)), "emoji_" in folded
    )
    index = _INDEX
    for m in pattern.finditer(folded):
        counts[base + index[m.lastgroup or "handle"]] += 1

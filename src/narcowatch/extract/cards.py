"""Bank card numbers: 13-19 digits, Luhn-valid, with the scheme read from the prefix.

Dropper cards are the cash side of a shop. ``stdnum.luhn`` checks the digits; the prefix
table below (no maintained library keeps one for Mir, UzCard or Humo) names the scheme, and
a number with no known scheme is not taken: random 16-digit numbers pass Luhn one time in ten.
Phones (at most 12 digits here) and IINs (12) are shorter, so the three never collide.
"""

from __future__ import annotations

import re

from stdnum import luhn

from narcowatch.extract.base import Indicator, finditer_in, scan

NAME = "cards.v1"

# Groups of four (4-4-4-4, 4-4-4-4-3 ...) or Amex-style 4-6-5. The look-behind sits after the
# first digit (it checks the character before that digit) so the pattern opens with ``\d``
# and ``re`` skips to digits in C instead of trying both branches at every position.
CARD_RE = re.compile(
    r"\d(?<![\w+\-.,/].)(?:"
    r"\d{3}[ \-\u00a0.]?(?:\d{4}[ \-\u00a0.]?){1,2}\d{4}(?:[ \-\u00a0.]?\d{1,3})?(?![\w])"
    r"|\d{3}[ \-\u00a0]?\d{6}[ \-\u00a0]?\d{4,5}(?![\w]))"
)
# (scheme, prefix ranges as (low, high) over the first n digits, allowed lengths)
SCHEMES: list[tuple[str, list[tuple[str, str]], range]] = [
    ("mir", [("2200", "2204")], range(16, 20)),
    ("mastercard", [("51", "55"), ("2221", "2720")], range(16, 17)),
    ("visa", [("4", "4")], range(16, 20)),
    ("amex", [("34", "34"), ("37", "37")], range(15, 16)),
    ("unionpay", [("62", "62"), ("81", "81")], range(16, 20)),
    ("jcb", [("3528", "3589")], range(16, 20)),
    ("discover", [("6011", "6011"), ("644", "649"), ("65", "65")], range(16, 20)),
    ("diners", [("300", "305"), ("36", "36"), ("38", "39")], range(14, 20)),
    ("uzcard", [("8600", "8600")], range(16, 17)),
    ("humo", [("9860", "9860")], range(16, 17)),
    ("maestro", [("50", "50"), ("56", "58"), ("6304", "6304"), ("6759", "6759")], range(12, 20)),
]


def card_scheme(digits: str) -> str | None:
    """The payment scheme of ``digits`` from its prefix and length, or ``None``."""
    for scheme, ranges, lengths in SCHEMES:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            if low <= digits[: len(low)] <= high:
                return scheme
    return None


def validate_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits) and card_scheme(digits) is not None


class CardExtractor:
    """Card numbers with separators; value digits only, ``meta["scheme"]`` the scheme."""

    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        # 13 digits at least, so windows holding fewer are skipped unscanned.
        windows = [w for w in scan(text).windows if w[3] >= 13]
        hits: list[Indicator] = []
        for m in finditer_in(CARD_RE, text, windows, lead=0):
            raw = m.group(0)
            seps = {ch for ch in raw if not ch.isdigit()}
            if len(seps) > 1:
                continue
            digits = re.sub(r"\D", "", raw)
            scheme = card_scheme(digits)
            if scheme is None or not 13 <= len(digits) <= 19:
                continue
            hits.append(
                Indicator(
                    "card",
                    digits,
                    raw,
                    m.start(),
                    m.end(),
                    luhn.is_valid(digits),
                    NAME,
                    {"scheme": scheme},
                )
            )
        return hits

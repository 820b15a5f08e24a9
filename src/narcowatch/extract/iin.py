"""Kazakhstan's IIN (people) and BIN (businesses): 12 digits with a mod-11 check digit.

``python-stdnum`` has no Kazakh module, so the check is written here: the first 11 digits
weighted 1..11 modulo 11, and if that gives 10, weighted 3..11,1,2; a second 10 means the
number is never issued. The first digits must also be a date (IIN: YYMMDD and a century/sex
digit 0-6) or a registration month with an entity-type digit 4-6 (BIN).
"""

from __future__ import annotations

import re
from datetime import date

from narcowatch.extract.base import Indicator, finditer_in, scan

NAME = "iin.v1"

# The look-behind follows the first digit (and checks the character before it), so the pattern
# opens with ``\d`` and ``re`` skips to digits in C.
IIN_RE = re.compile(r"\d(?<![\w+\-.,/].)\d{5}[ \u00a0]?\d{6}(?![\w]|[.,]\d)")
_W1 = range(1, 12)
_W2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]


def check_digit(digits: str) -> int | None:
    nums = [int(ch) for ch in digits[:11]]
    total = sum(w * d for w, d in zip(_W1, nums, strict=True)) % 11
    if total == 10:
        total = sum(w * d for w, d in zip(_W2, nums, strict=True)) % 11
    return None if total == 10 else total


def _is_date(yy: str, mm: str, dd: str) -> bool:
    try:
        date(2000 + int(yy), int(mm), int(dd))
    except ValueError:
        try:
            date(1900 + int(yy), int(mm), int(dd))
        except ValueError:
            return False
    return True


def kind_of(digits: str) -> str | None:
    """``"iin"``, ``"bin"`` or ``None`` from the shape of the first seven digits."""
    if digits[6] in "0123456" and _is_date(digits[0:2], digits[2:4], digits[4:6]):
        return "iin"
    if 1 <= int(digits[2:4]) <= 12 and digits[4] in "456":
        return "bin"
    return None


def validate_iin(digits: str) -> bool:
    if not re.fullmatch(r"\d{12}", digits) or kind_of(digits) is None:
        return False
    return check_digit(digits) == int(digits[11])


def _six_digits(text: str, start: int, end: int) -> bool:
    """The number opens with six digits in a row (``YYMMDD``): a run of six at least."""
    return end - start >= 6


class IinExtractor:
    """IIN and BIN numbers (type ``iin``; ``meta["kind"]`` says which)."""

    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        hits: list[Indicator] = []
        windows = scan(text).select(_six_digits)
        for m in finditer_in(IIN_RE, text, windows, lead=0):
            digits = re.sub(r"\D", "", m.group(0))
            kind = kind_of(digits)
            if kind is None:
                continue
            valid = check_digit(digits) == int(digits[11])
            hits.append(
                Indicator(
                    "iin", digits, m.group(0), m.start(), m.end(), valid, NAME, {"kind": kind}
                )
            )
        return hits

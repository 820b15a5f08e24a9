"""Numbers as written in ads (``7 000``, ``7.000``, ``1,5``, ``7к``) turned into plain decimals.

Shared by prices and quantities. A dot or comma followed by exactly three digits after a
non-zero integer part is a thousands separator (``7.000 тг`` is seven thousand); otherwise it
is the decimal mark.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

AMOUNT = r"\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d{1,8})?|\d+(?:[.,]\d{1,8})?"
MULTIPLIER = r"(?:к|k|K|К|тыс\.?|тысяч\w*|млн\.?|mln)"
_MULT = {"к": 1000, "k": 1000, "т": 1000, "м": 1_000_000}


def parse_amount(
    raw: str, multiplier: str | None = None, *, decimal_only: bool = False
) -> str | None:
    """``"7 000"`` -> ``"7000"``; ``"1,5"`` + ``"к"`` -> ``"1500"``; ``None`` if not a number."""
    text = re.sub(r"[ \u00a0\u202f]", "", raw)
    if not decimal_only:
        groups = re.split(r"[.,]", text)
        if len(groups) > 1 and all(len(g) == 3 for g in groups[1:]) and groups[0].lstrip("0"):
            text = "".join(groups)
    parts = re.split(r"[.,]", text)
    if len(parts) > 2:
        text = "".join(parts[:-1]) + "." + parts[-1]
    text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if multiplier:
        value *= _MULT.get(multiplier[0].lower(), 1)
    return format_decimal(value)


def format_decimal(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")

"""Quantities of goods: grams, kilograms, milligrams, millilitres, pieces.

Normal form ``AMOUNT UNIT`` with units ``g``, ``kg``, ``mg``, ``ml``, ``pcs``. Years
(``2024 г.``) and city abbreviations (``г. Алматы``) stay out; ``g`` is lowercase only, so
mobile networks (``5G``) do too.
"""

from __future__ import annotations

import re

from narcowatch.extract.amounts import parse_amount
from narcowatch.extract.base import Indicator, finditer_in, scan

NAME = "quantities.v1"

# The look-behind follows the first digit (checking the character before it): the pattern
# opens with ``\d`` and ``re`` skips to digits in C.
QUANTITY_RE = re.compile(
    r"(?P<amount>\d(?<![\w.,].)\d*(?:[.,]\d{1,4})?)\s?"
    r"(?P<unit>грамм\w*|грам|гр|г|gr|grams?|g|кг|kg|мг|mg|мл|ml|"
    r"штук\w*|шт|pcs|pieces|дана)(?![\w])"
)
_UNITS = {"г": "g", "g": "g", "к": "kg", "k": "kg", "м": None, "ш": "pcs", "p": "pcs", "д": "pcs"}
_CITY_AFTER = re.compile(r"\.\s?[А-ЯЁӘҒҚҢӨҰҮҺІ]")


def unit_code(unit: str) -> str:
    lowered = unit.lower().rstrip(".")
    if lowered in {"мг", "mg"}:
        return "mg"
    if lowered in {"мл", "ml"}:
        return "ml"
    return _UNITS.get(lowered[0]) or "g"


# The first letter of every unit; an amount ends a digit run and its unit follows.
_UNIT_START = re.compile(r"\s?[гgкkмmшpд]")


def _unit_after(text: str, start: int, end: int) -> bool:
    return _UNIT_START.match(text, end) is not None


class QuantityExtractor:
    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        hits: list[Indicator] = []
        for m in finditer_in(QUANTITY_RE, text, scan(text).select(_unit_after), lead=0):
            amount_raw, unit = m.group("amount"), m.group("unit")
            code = unit_code(unit)
            if code == "g" and unit.lower().startswith("г"):
                if re.fullmatch(r"1[89]\d\d|20\d\d", amount_raw):
                    continue
                if _CITY_AFTER.match(text, m.end()):
                    continue
            amount = parse_amount(amount_raw, decimal_only=True)
            if amount is None or amount == "0":
                continue
            end = m.end()
            raw = text[m.start() : end]
            hits.append(Indicator("quantity", f"{amount} {code}", raw, m.start(), end, True, NAME))
        return hits

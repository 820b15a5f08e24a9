"""Prices with their currency: ``7000 KZT``, ``40 USDT``, ``1500 RUB``, ``50 USD``.

Currencies shops in the region write: tenge (₸, тг, тенге, теңге), roubles, dollars, USDT,
euro, Kyrgyz som, Uzbek sum, Tajik somoni, and crypto amounts. The currency may stand before
(``$50``) or after (``7к тг``) the amount; ``к``/``тыс`` multiply.
"""

from __future__ import annotations

import re

from narcowatch.extract.amounts import AMOUNT, MULTIPLIER, parse_amount
from narcowatch.extract.base import Indicator, finditer_in, scan

NAME = "prices.v1"

_CURRENCIES: list[tuple[str, str]] = [
    (r"₸|тг|тенге|теңге|tenge|kzt", "KZT"),
    (r"usdt|юсдт|tether", "USDT"),
    (r"₽|руб(?:лей|ля|ль)?|р|rub|rur", "RUB"),
    (r"\$|usd|долл(?:ар\w*)?|бакс\w*|dollars?", "USD"),
    (r"€|eur|евро", "EUR"),
    (r"сомони|somoni|tjs", "TJS"),
    (r"сом(?:ов|а)?|kgs|som", "KGS"),
    (r"сум|сўм|uzs|sum", "UZS"),
    (r"btc|бтк|биткоин\w*", "BTC"),
    (r"eth", "ETH"),
    (r"trx", "TRX"),
    (r"ton|тон", "TON"),
]
_CUR = "|".join(f"(?:{pattern})" for pattern, _ in _CURRENCIES)
_CUR_COMPILED = [(re.compile(f"(?:{p})$", re.IGNORECASE), iso) for p, iso in _CURRENCIES]
# Substrings every currency spelling contains; a text with none of them has no price.
_CURRENCY_HINTS = (
    "₸",
    "тг",
    "тенге",
    "теңге",
    "tenge",
    "kzt",
    "usd",
    "юсдт",
    "tether",
    "₽",
    "руб",
    "rub",
    "rur",
    "р",
    "$",
    "долл",
    "бакс",
    "dollar",
    "€",
    "eur",
    "евро",
    "сом",
    "somoni",
    "tjs",
    "kgs",
    "som",
    "сум",
    "сўм",
    "uzs",
    "sum",
    "btc",
    "бтк",
    "биткоин",
    "eth",
    "trx",
    "ton",
    "тон",
)
_CRYPTO = {"BTC", "ETH", "TRX", "TON", "USDT"}
PRICE_RE = re.compile(
    rf"(?<![\w.,])(?P<amount>{AMOUNT})\s?(?P<mult>{MULTIPLIER})?\s?(?P<cur>{_CUR})(?![\w$€₽₸])"
    rf"|(?<![\w])(?P<pcur>\$|€|₸|₽|usdt|usd)\s?(?P<pamount>{AMOUNT})(?P<pmult>{MULTIPLIER})?(?![\w]|[.,]\d)",
    re.IGNORECASE,
)

# An amount ends or starts a digit run; its currency is right after it or right before it.
_CUR_AFTER = re.compile(rf"\s?(?:{MULTIPLIER})?\s?(?:{_CUR})", re.IGNORECASE)
_CUR_BEFORE = re.compile(r"(?:\$|€|₸|₽|usdt|usd)\s?\Z", re.IGNORECASE)


def _currency_next(text: str, start: int, end: int) -> bool:
    if _CUR_AFTER.match(text, end):
        return True
    return bool(start) and _CUR_BEFORE.search(text, max(0, start - 6), start) is not None


def currency_code(written: str) -> str | None:
    token = written.strip().lower()
    for pattern, iso in _CUR_COMPILED:
        if pattern.match(token):
            return iso
    return None


class PriceExtractor:
    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        sc = scan(text)
        windows = sc.select(_currency_next)
        if not windows or not any(map(sc.low.__contains__, _CURRENCY_HINTS)):
            return []
        hits: list[Indicator] = []
        for m in finditer_in(PRICE_RE, text, windows, lead=6):
            cur_raw = m.group("cur") or m.group("pcur")
            code = currency_code(cur_raw)
            if code is None:
                continue
            amount = parse_amount(
                m.group("amount") or m.group("pamount"),
                m.group("mult") or m.group("pmult"),
                decimal_only=code in _CRYPTO and code != "USDT",
            )
            if amount is None or amount == "0":
                continue
            raw = m.group(0)
            hits.append(Indicator("price", f"{amount} {code}", raw, m.start(), m.end(), True, NAME))
        return hits

"""Prices with their currency: ``7000 KZT``, ``40 USDT``, ``1500 RUB``, ``50 USD``.

Currencies shops in the region write: tenge (₸, тг, тенге, теңге), roubles, dollars, USDT,
euro, Kyrgyz som, Uzbek sum, Tajik somoni, and crypto amounts. The currency may stand before
(``$50``) or after (``7к тг``) the amount; ``к``/``тыс`` multiply.
"""

from __future__ import annotations

import re

from narcowatch.extract.amounts import AMOUNT, MULTIPLIER, parse_amount
from narcowatch.extract.base import Indicator, finditer_in, scan
from narcowatch.extract.marks import any_in, gate_words

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
# "р" (roubles) is tested on its own: a gate word that common would only slow the shared pass.
_CURRENCY_HINTS = gate_words(
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


# The last character of every currency ``_CUR_BEFORE`` accepts before an amount.
_CUR_BEFORE_LAST = frozenset("$€₸₽tTdD")
# The first character (lowercased) of every multiplier and currency ``_CUR_AFTER`` accepts,
# and the characters IGNORECASE takes for one of them that ``str.lower`` does not turn into it.
_CUR_AFTER_FIRST = frozenset("кkтмm₸tuю₽рr$дбd€eесsb" + "ſ\u1c81\u1c83\u1c84\u1c85")


def _currency_next(text: str, start: int, end: int) -> bool:
    # ``_CUR_AFTER`` tries some forty spellings: first test the character they must open with
    # (after up to two spaces: one before an empty multiplier, one after it).
    first = text[end : end + 1]
    if first.isspace():
        first = text[end + 1 : end + 2]
        if first.isspace():
            first = text[end + 2 : end + 3]
    if first.lower() in _CUR_AFTER_FIRST and _CUR_AFTER.match(text, end):
        return True
    if not start:
        return False
    # ``_CUR_BEFORE`` ends at ``start``, after one optional space: test that last character
    # before running the pattern over the six characters before the run.
    last = text[start - 1]
    if last.isspace() and start > 1:
        last = text[start - 2]
    return (
        last in _CUR_BEFORE_LAST and _CUR_BEFORE.search(text, max(0, start - 6), start) is not None
    )


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
        if not windows or not (any_in(text, _CURRENCY_HINTS) or "р" in sc.low):
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

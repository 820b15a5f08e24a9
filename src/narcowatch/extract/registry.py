"""The extractors the pipeline runs, in order, and ``extract_all`` over them.

Extractors work independently; ``resolve_overlaps`` then settles the few cases where two
types claim the same characters (a card number is not also a phone, an e-mail's domain is
not also a bare domain). Pairs that are meant to overlap (a ``t.me`` link is both a ``url``
and a ``telegram`` hit) are simply not listed in ``DOMINATES``.
"""

from __future__ import annotations

import importlib
from bisect import bisect_left
from functools import cache
from itertools import accumulate

from narcowatch.extract.base import Extractor, Indicator

EXTRACTORS: list[str] = [
    "narcowatch.extract.links:LinkExtractor",
    "narcowatch.extract.telegram:TelegramExtractor",
    "narcowatch.extract.phones:PhoneExtractor",
    "narcowatch.extract.emails:EmailExtractor",
    "narcowatch.extract.cards:CardExtractor",
    "narcowatch.extract.iban:IbanExtractor",
    "narcowatch.extract.iin:IinExtractor",
    "narcowatch.extract.crypto:CryptoExtractor",
    "narcowatch.extract.coordinates:CoordinateExtractor",
    "narcowatch.extract.prices:PriceExtractor",
    "narcowatch.extract.quantities:QuantityExtractor",
    "narcowatch.extract.substances:SubstanceExtractor",
]

# winner type -> types it removes when their spans overlap.
_NUMBERS = frozenset({"phone", "iin", "card", "price", "quantity", "coordinates"})
DOMINATES: dict[str, frozenset[str]] = {
    "email": frozenset({"domain", "telegram", "url", "substance"}),
    "url": frozenset({"phone", "domain", "iin", "card", "price", "quantity", "substance"}),
    "onion": frozenset({"phone", "domain", "substance"}),
    "whatsapp": frozenset({"phone"}),
    "telegram": frozenset({"phone", "domain", "substance", "quantity"}),
    "iban": frozenset({"phone", "card", "iin", "price"}),
    "card": frozenset({"phone", "iin", "price"}),
    "iin": frozenset({"phone", "price"}),
    "coordinates": frozenset({"phone", "price", "quantity", "domain"}),
    "price": frozenset({"phone", "quantity"}),
    **{
        f"crypto:{chain}": _NUMBERS | {"domain", "telegram", "substance"}
        for chain in ("btc", "eth", "trx", "ltc", "xmr", "ton")
    },
}


@cache
def get_extractors() -> tuple[Extractor, ...]:
    found = []
    for target in EXTRACTORS:
        module, _, attr = target.partition(":")
        found.append(getattr(importlib.import_module(module), attr)())
    return tuple(found)


def resolve_overlaps(hits: list[Indicator]) -> list[Indicator]:
    """Drop hits whose span overlaps a hit of a type that dominates theirs.

    No type dominates itself, so a hit is beaten when, for some winner type dominating its
    type, a winner starting before the hit ends also ends after the hit starts: per winner
    type, starts sorted with a running maximum of ends answer that by bisection, so a long
    document with thousands of hits costs n log n, not n squared.
    """
    by_type: dict[str, list[tuple[int, int]]] = {}
    for h in hits:
        if h.type in DOMINATES:
            by_type.setdefault(h.type, []).append((h.start, h.end))
    if not by_type:
        return hits
    index: list[tuple[frozenset[str], list[int], list[int]]] = []
    for type_, spans in by_type.items():
        spans.sort()
        starts = [s for s, _ in spans]
        reach = list(accumulate((e for _, e in spans), max))
        index.append((DOMINATES[type_], starts, reach))
    kept: list[Indicator] = []
    for hit in hits:
        for beats, starts, reach in index:
            if hit.type in beats:
                i = bisect_left(starts, hit.end)
                if i and reach[i - 1] > hit.start:
                    break
        else:
            kept.append(hit)
    return kept


def _dedupe(hits: list[Indicator]) -> list[Indicator]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for hit in hits:
        key = (hit.type, hit.value, hit.start, hit.end)
        if key not in seen:
            seen.add(key)
            out.append(hit)
    return out


def extract_all(text: str, *, include_invalid: bool = False) -> list[Indicator]:
    """Every indicator in ``text``, sorted by position; invalid checksums only on request."""
    hits: list[Indicator] = []
    for extractor in get_extractors():
        hits.extend(extractor.extract(text))
    if not hits:
        return hits
    if not include_invalid:
        hits = [h for h in hits if h.valid]
    hits = _dedupe(resolve_overlaps(hits))
    hits.sort(key=lambda ind: (ind.start, ind.end, ind.type))
    return hits

"""The extractors the pipeline runs, in order, and ``extract_all`` over them.

Extractors work independently; ``resolve_overlaps`` then settles the few cases where two
types claim the same characters (a card number is not also a phone, an e-mail's domain is
not also a bare domain). Pairs that are meant to overlap (a ``t.me`` link is both a ``url``
and a ``telegram`` hit) are simply not listed in ``DOMINATES``.
"""

from __future__ import annotations

import importlib
from functools import cache

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
    """Drop hits whose span overlaps a hit of a type that dominates theirs."""
    winners = [h for h in hits if h.type in DOMINATES]
    if not winners:
        return hits
    kept: list[Indicator] = []
    for hit in hits:
        beaten = any(
            w is not hit
            and hit.type in DOMINATES.get(w.type, frozenset())
            and w.start < hit.end
            and hit.start < w.end
            for w in winners
        )
        if not beaten:
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

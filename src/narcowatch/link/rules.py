"""Which indicators link shops, how strongly, and when one is a hub that must not link.

Weights reflect how personal an indicator is to one operator: a payment card, a wallet or
an operator handle is used by one shop; a domain may be shared hosting. Only indicators at
or above ``LINK_THRESHOLD`` link on their own. Prices, quantities, substances, coordinates
and e-mails of services describe goods, not who sells them, and never link.
"""

from __future__ import annotations

from dataclasses import dataclass

WEIGHTS: dict[str, float] = {
    "telegram": 1.0,
    "card": 1.0,
    "iban": 1.0,
    "crypto:btc": 1.0,
    "crypto:eth": 1.0,
    "crypto:trx": 1.0,
    "crypto:ltc": 1.0,
    "crypto:xmr": 1.0,
    "crypto:ton": 1.0,
    "onion": 1.0,
    "phone": 0.9,
    "whatsapp": 0.9,
    "domain": 0.8,
    "email": 0.7,
    "url": 0.5,
}
LINK_THRESHOLD = 0.8
#: weight of a near-identical ad (MinHash Jaccard estimate >= NEAR_DUP_THRESHOLD)
NEAR_DUP_WEIGHT = 0.85
NEAR_DUP_THRESHOLD = 0.85
#: trace tag categories of services many unrelated people pay into
HUB_TAG_CATEGORIES = frozenset(
    {"exchange", "payment_processor", "wallet_service", "otc", "bridge", "mixer", "gambling"}
)
WALLET_TYPES = frozenset(t for t in WEIGHTS if t.startswith("crypto:"))
PAYMENT_TYPES = frozenset({"card", "iban", *WALLET_TYPES})


@dataclass(frozen=True)
class HubRule:
    """An indicator touching ``min_clusters`` or more established clusters is a hub when,
    on average, it appears in less than ``max_coverage`` of those clusters' items: a shop's
    own bot runs through its posts, a police reporting bot is a footnote in everyone's."""

    min_clusters: int = 3
    max_coverage: float = 0.5


def weight(type_: str) -> float:
    return WEIGHTS.get(type_, 0.0)


def links(type_: str) -> bool:
    return weight(type_) >= LINK_THRESHOLD


LINKING_TYPES = frozenset(t for t in WEIGHTS if links(t))


def is_bot(type_: str, value: str) -> bool:
    return type_ == "telegram" and value.lower().endswith("bot")

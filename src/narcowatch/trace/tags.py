"""Attribution tags: who an address belongs to, with a mandatory source and confidence.

Tags come from GraphSense TagPack YAML files, sanctions lists (CSV) and analysts. The
tracing engine reads them through a ``TagIndex`` (one query per trace) to stop at services
and to show labels next to every address.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from narcowatch.errors import TraceError
from narcowatch.ids import make_id
from narcowatch.security import audit
from narcowatch.store.tables_trace import AddressTagRecord
from narcowatch.trace.addresses import normalize_address

log = logging.getLogger(__name__)

CATEGORIES = (
    "exchange",
    "mixer",
    "bridge",
    "payment_processor",
    "otc",
    "shop",
    "dropper",
    "sanctioned",
    "darknet_market",
    "gambling",
    "defi",
    "scam",
    "wallet_service",
    "miner",
    "other",
)
#: categories where money leaves the chain for fiat or another system: a trace stops there
STOP_CATEGORIES = frozenset({"exchange", "bridge", "mixer", "payment_processor", "otc"})
#: GraphSense TagPack category names that we file under our own
CATEGORY_ALIASES = {
    "mixing_service": "mixer",
    "coinjoin": "mixer",
    "market": "darknet_market",
    "defi_bridge": "bridge",
    "defi_dex": "defi",
    "defi_lending": "defi",
    "dex": "defi",
    "hosted_wallet": "wallet_service",
    "wallet": "wallet_service",
    "mining_service": "miner",
    "miner": "miner",
    "perpetrator": "scam",
    "ransomware": "scam",
    "shop": "shop",
    "exchange": "exchange",
    "otc_broker": "otc",
    "payment_processor": "payment_processor",
    "gambling": "gambling",
    "sanction": "sanctioned",
    "sanctioned": "sanctioned",
}
#: TagPack confidence identifiers as levels 0-100 (our reading of the TagPack scale)
CONFIDENCE_LEVELS = {
    "ownership": 100,
    "authority_data": 100,
    "override": 100,
    "service_data": 80,
    "forensic": 70,
    "web_crawl": 50,
    "manual": 60,
    "heuristic": 40,
    "untrusted_transaction": 30,
    "dark_web": 30,
    "user_report": 20,
}
CURRENCY_CHAINS = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "TRX": "tron",
    "TRON": "tron",
    "USDT": "tron",
    "BITCOIN": "bitcoin",
    "ETHEREUM": "ethereum",
}


@dataclass(frozen=True)
class Tag:
    label: str
    category: str
    source: str
    confidence: int
    origin: str = "analyst"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TagImportReport:
    imported: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def clean_category(raw: str) -> str:
    key = (raw or "").strip().lower().replace(" ", "_").replace("-", "_")
    if key in CATEGORIES:
        return key
    return CATEGORY_ALIASES.get(key, "other")


def clean_confidence(raw: object) -> int:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        value = int(raw)
    else:
        text = str(raw or "").strip().lower()
        if text.isdigit():
            value = int(text)
        elif text in CONFIDENCE_LEVELS:
            value = CONFIDENCE_LEVELS[text]
        else:
            raise TraceError(f"unknown confidence {raw!r}", code="E821")
    if not 0 <= value <= 100:
        raise TraceError(f"confidence {value} is not within 0-100", code="E821")
    return value


def add_tag(
    session: Session,
    *,
    chain: str,
    address: str,
    label: str,
    category: str,
    source: str,
    confidence: object = 60,
    origin: str = "analyst",
    created_by: str = "",
    note: str = "",
    meta: dict[str, Any] | None = None,
    audit_log: bool = True,
) -> AddressTagRecord:
    """Validate and upsert one tag (same chain, address, label and source = same tag)."""
    addr = normalize_address(chain, address)
    if not (label or "").strip():
        raise TraceError("a tag needs a label", code="E820")
    if not (source or "").strip():
        raise TraceError("a tag needs a source (where the attribution comes from)", code="E820")
    cat = clean_category(category)
    tag_id = make_id("tag", chain, addr, label.strip(), source.strip())
    rec = session.get(AddressTagRecord, tag_id)
    if rec is None:
        rec = AddressTagRecord(
            id=tag_id, chain=chain, address=addr, label=label.strip(), source=source.strip()
        )
        session.add(rec)
    rec.category = cat
    rec.confidence = clean_confidence(confidence)
    rec.origin = origin
    rec.created_by = created_by
    rec.note = note
    rec.meta = {**(meta or {}), **({"category_raw": category} if cat != category else {})}
    if audit_log:
        audit.record(
            session,
            actor=created_by or "system",
            action="trace.tag.add",
            target_type="address",
            target_id=f"{chain}:{addr}",
            details={"label": rec.label, "category": cat, "source": rec.source},
        )
    return rec


def remove_tags(
    session: Session, chain: str, address: str, *, actor: str, label: str | None = None
) -> int:
    addr = normalize_address(chain, address)
    stmt = delete(AddressTagRecord).where(
        AddressTagRecord.chain == chain, AddressTagRecord.address == addr
    )
    if label:
        stmt = stmt.where(AddressTagRecord.label == label)
    removed = getattr(session.execute(stmt), "rowcount", 0) or 0
    audit.record(
        session,
        actor=actor,
        action="trace.tag.remove",
        target_type="address",
        target_id=f"{chain}:{addr}",
        details={"label": label, "removed": removed},
    )
    return removed


def tags_for(session: Session, chain: str, addresses: Iterable[str]) -> dict[str, list[Tag]]:
    wanted = list(dict.fromkeys(addresses))
    found: dict[str, list[Tag]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.scalars(
            select(AddressTagRecord).where(
                AddressTagRecord.chain == chain,
                AddressTagRecord.address.in_(wanted[start : start + 500]),
            )
        )
        for rec in rows:
            found.setdefault(rec.address, []).append(_tag(rec))
    return {a: sorted(t, key=lambda g: (-g.confidence, g.label)) for a, t in found.items()}


def _tag(rec: AddressTagRecord) -> Tag:
    return Tag(rec.label, rec.category, rec.source, rec.confidence, rec.origin)


class TagIndex:
    """Every tag of one chain in memory, for the engine's stop rule and labels."""

    def __init__(self, tags: dict[str, list[Tag]] | None = None) -> None:
        self.tags = {
            a: sorted(t, key=lambda g: (-g.confidence, g.label)) for a, t in (tags or {}).items()
        }

    @classmethod
    def load(cls, session: Session, chain: str) -> TagIndex:
        found: dict[str, list[Tag]] = {}
        stmt = select(AddressTagRecord).where(AddressTagRecord.chain == chain)
        for rec in session.scalars(stmt.execution_options(yield_per=5000)):
            found.setdefault(rec.address, []).append(_tag(rec))
        return cls(found)

    def get(self, address: str) -> list[Tag]:
        return self.tags.get(address, [])

    def stop_tag(self, address: str, stop: frozenset[str]) -> Tag | None:
        for tag in self.get(address):
            if tag.category in stop:
                return tag
        return None

    def __len__(self) -> int:
        return len(self.tags)

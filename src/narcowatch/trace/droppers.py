"""Dropper (money-mule) requisites: the cards, IBANs and phones shops take payment on.

Indicators extracted from posts and chats become payment requisites of the shops they
belong to (through ``shop_members``), with first and last seen taken from the items that
mention them in that shop. A requisite used by more than one shop is flagged: it links
shops and is the first to freeze. Exports (CSV, XLSX) are what a request to a bank needs.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.store.tables import (
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ShopMemberRecord,
    ShopRecord,
)

REQUISITE_TYPES = ("card", "iban", "phone")
COLUMNS = [
    "shop_id",
    "shop_name",
    "type",
    "value",
    "first_seen",
    "last_seen",
    "mentions",
    "shared",
    "other_shops",
]


@dataclass
class Requisite:
    shop_id: str
    shop_name: str
    type: str
    value: str
    first_seen: datetime | None
    last_seen: datetime | None
    mentions: int
    other_shops: list[str] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        return bool(self.other_shops)

    def row(self) -> dict[str, Any]:
        return {
            "shop_id": self.shop_id,
            "shop_name": self.shop_name,
            "type": self.type,
            "value": self.value,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "mentions": self.mentions,
            "shared": "yes" if self.shared else "",
            "other_shops": " ".join(self.other_shops),
        }


def _iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _naive(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=None) if moment and moment.tzinfo else moment


def shop_requisites(
    session: Session, shop_id: str | None = None, types: tuple[str, ...] = REQUISITE_TYPES
) -> list[Requisite]:
    """Requisites of one shop (or of every active shop), shared ones flagged."""
    rows = session.execute(
        select(ShopMemberRecord.shop_id, ShopRecord.name, IndicatorRecord)
        .join(ShopRecord, ShopRecord.id == ShopMemberRecord.shop_id)
        .join(IndicatorRecord, IndicatorRecord.id == ShopMemberRecord.member_id)
        .where(
            ShopMemberRecord.member_type == "indicator",
            ShopRecord.merged_into.is_(None),
            IndicatorRecord.type.in_(types),
        )
    ).all()
    shops_of: dict[str, set[str]] = defaultdict(set)
    for sid, _, ind in rows:
        shops_of[ind.id].add(sid)
    wanted = [(sid, name, ind) for sid, name, ind in rows if shop_id is None or sid == shop_id]
    seen = _mentions(session, {sid for sid, _, _ in wanted}, {ind.id for _, _, ind in wanted})
    found = []
    for sid, name, ind in wanted:
        times = seen.get((sid, ind.id), [])
        found.append(
            Requisite(
                shop_id=sid,
                shop_name=name,
                type=ind.type,
                value=ind.value,
                first_seen=min(times) if times else _naive(ind.first_seen),
                last_seen=max(times) if times else _naive(ind.last_seen),
                mentions=len(times),
                other_shops=sorted(shops_of[ind.id] - {sid}),
            )
        )
    found.sort(key=lambda r: (r.shop_name, r.type, r.first_seen or datetime.min, r.value))
    return found


def _mentions(
    session: Session, shop_ids: set[str], indicator_ids: set[str]
) -> dict[tuple[str, str], list[datetime]]:
    """When each indicator was mentioned by each shop's items."""
    if not shop_ids or not indicator_ids:
        return {}
    rows = session.execute(
        select(
            ShopMemberRecord.shop_id,
            ItemIndicatorRecord.indicator_id,
            ItemRecord.published_at,
            ItemRecord.fetched_at,
        )
        .join(ItemIndicatorRecord, ItemIndicatorRecord.item_id == ShopMemberRecord.member_id)
        .join(ItemRecord, ItemRecord.id == ItemIndicatorRecord.item_id)
        .where(
            ShopMemberRecord.member_type == "item",
            ShopMemberRecord.shop_id.in_(shop_ids),
            ItemIndicatorRecord.indicator_id.in_(indicator_ids),
        )
    ).all()
    found: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for sid, iid, published, fetched in rows:
        moment = _naive(published or fetched)
        if moment:
            found[(sid, iid)].append(moment)
    return found


def timeline(requisites: list[Requisite]) -> list[dict[str, Any]]:
    """Start and end events of each requisite in date order: how a shop rotates its cards."""
    events = []
    for req in requisites:
        if req.first_seen:
            events.append(
                {
                    "at": _iso(req.first_seen),
                    "event": "first_seen",
                    "type": req.type,
                    "value": req.value,
                    "shared": req.shared,
                }
            )
        if req.last_seen and req.last_seen != req.first_seen:
            events.append(
                {
                    "at": _iso(req.last_seen),
                    "event": "last_seen",
                    "type": req.type,
                    "value": req.value,
                    "shared": req.shared,
                }
            )
    return sorted(events, key=lambda e: (e["at"], e["event"] != "first_seen", e["value"]))


def export_requisites(requisites: list[Requisite], path: Path) -> Path:
    """Write CSV or XLSX (by the file's suffix) for a request to banks."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "requisites"
        sheet.append(COLUMNS)
        for req in requisites:
            row = req.row()
            sheet.append([row[c] for c in COLUMNS])
        for column in ("D",):  # keep card numbers as text, never as rounded numbers
            for cell in sheet[column][1:]:
                cell.number_format = "@"
        book.save(path)
        return path
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(req.row() for req in requisites)
    return path

"""Indicator upserts: one row per (type, value), one mention row per item and span."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.store.tables import IndicatorRecord, ItemIndicatorRecord, ItemRecord, utcnow

INDICATORS = cast(Table, IndicatorRecord.__table__)
MENTIONS = cast(Table, ItemIndicatorRecord.__table__)


def indicator_id(type_: str, value: str) -> str:
    return make_id("indicator", type_, value)


def save_indicators(session: Session, item: ItemRecord, hits: Sequence[Indicator]) -> list[str]:
    """Make the item's stored mentions equal ``hits``; returns the indicator ids."""
    return save_indicators_many(session, [(item, hits)])[0]


def save_indicators_many(
    session: Session, batch: Sequence[tuple[ItemRecord, Sequence[Indicator]]]
) -> list[list[str]]:
    """Make each item's stored mentions equal its hits, with two lookup queries in all.

    Mentions an item no longer has (after an edit) are removed and their indicators'
    counts decremented, so re-processing converges instead of accumulating. Every write is
    a Core statement over the whole batch (new indicators, changed indicators, removed and
    new mentions): one ORM object per indicator was the pipeline's largest write cost.
    """
    wanted: dict[str, tuple[ItemRecord, Indicator]] = {}
    ids_per_item: list[list[str]] = []
    for item, hits in batch:
        ids: list[str] = []
        for ind in hits:
            iid = indicator_id(ind.type, ind.value)
            wanted[make_id("mention", item.id, iid, ind.start)] = (item, ind)
            ids.append(iid)
        ids_per_item.append(list(dict.fromkeys(ids)))
    session.flush()  # rows the ORM still holds go first: the statements below read them
    stored = dict(
        session.execute(
            select(MENTIONS.c.id, MENTIONS.c.indicator_id).where(
                MENTIONS.c.item_id.in_([item.id for item, _ in batch])
            )
        ).all()
    )
    removed = [mid for mid in stored if mid not in wanted]
    needed = {iid for ids in ids_per_item for iid in ids} | {stored[mid] for mid in removed}
    known = {
        row.id: _Counted(row.first_seen, row.last_seen, row.mentions or 0, row.tags)
        for row in session.execute(
            select(
                INDICATORS.c.id,
                INDICATORS.c.first_seen,
                INDICATORS.c.last_seen,
                INDICATORS.c.mentions,
                INDICATORS.c.tags,
            ).where(INDICATORS.c.id.in_(needed))
        )
    }
    for mid in removed:
        gone = known.get(stored[mid])
        if gone is not None:
            gone.mentions = max((gone.mentions or 1) - 1, 0)
    new: dict[str, dict[str, object]] = {}
    fresh: list[dict[str, object]] = []
    for mid, (item, ind) in wanted.items():
        seen = item.published_at or item.fetched_at or utcnow()
        iid = indicator_id(ind.type, ind.value)
        rec = known.get(iid)
        if rec is None:
            new[iid] = {"id": iid, "type": ind.type, "value": ind.value, "valid": ind.valid}
            rec = known[iid] = _Counted(seen, seen, 0, {})
        else:
            rec.widen(seen)
        facts = _facts(ind)
        if facts and any((rec.tags or {}).get(k) != v for k, v in facts.items()):
            rec.tags = {**(rec.tags or {}), **facts}
        if mid not in stored:
            fresh.append(
                {
                    "id": mid,
                    "item_id": item.id,
                    "indicator_id": iid,
                    "raw": ind.raw,
                    "start": ind.start,
                    "end": ind.end,
                    "extractor": ind.extractor,
                }
            )
            rec.mentions += 1
    _write(session, new, known, removed, fresh)
    return ids_per_item


class _Counted:
    """An indicator's counted columns, read once and changed in memory for the batch."""

    def __init__(self, first: datetime, last: datetime, mentions: int, tags: Any) -> None:
        self.first_seen, self.last_seen, self.mentions, self.tags = first, last, mentions, tags
        self.read = (first, last, mentions, tags)

    def widen(self, seen: datetime) -> None:
        self.first_seen = min(_naive(self.first_seen), _naive(seen))
        self.last_seen = max(_naive(self.last_seen), _naive(seen))

    def changed(self) -> bool:
        return (self.first_seen, self.last_seen, self.mentions, self.tags) != self.read

    def tags_changed(self) -> bool:
        return self.tags != self.read[3]

    def columns(self) -> dict[str, object]:
        return {
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "mentions": self.mentions,
        }


def _write(
    session: Session,
    new: dict[str, dict[str, object]],
    known: dict[str, _Counted],
    removed: list[str],
    fresh: list[dict[str, object]],
) -> None:
    """New indicators, then changed ones (tags only where they changed: a JSON column
    would turn a NULL it is handed back into ``null``), then the mentions."""
    if new:
        rows = [{**row, **known[i].columns(), "tags": known[i].tags} for i, row in new.items()]
        session.execute(insert(INDICATORS), rows)
    changed = [(iid, rec) for iid, rec in known.items() if iid not in new and rec.changed()]
    for with_tags in (False, True):
        rows = [
            {"iid": iid, **rec.columns(), **({"tags": rec.tags} if with_tags else {})}
            for iid, rec in changed
            if rec.tags_changed() == with_tags
        ]
        if rows:
            session.execute(update(INDICATORS).where(INDICATORS.c.id == bindparam("iid")), rows)
    if removed:
        session.execute(delete(MENTIONS).where(MENTIONS.c.id.in_(removed)))
    if fresh:
        session.execute(insert(MENTIONS), fresh)


def _facts(ind: Indicator) -> dict[str, object]:
    """What an extractor knows about the value itself (card scheme, wallet network...).

    Facts about one sighting (OCR confidence, which image) stay with the mention.
    """
    meta = getattr(ind, "meta", None) or {}
    return {k: v for k, v in meta.items() if k not in {"ocr", "source", "confidence", "image"}}


def _naive(value: datetime) -> datetime:
    """SQLite returns naive datetimes: compare everything as naive UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value

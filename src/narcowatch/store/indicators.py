"""Indicator upserts: one row per (type, value), one mention row per item and span."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.store.tables import IndicatorRecord, ItemIndicatorRecord, ItemRecord, utcnow


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
    counts decremented, so re-processing converges instead of accumulating. New mentions
    (several per item, never changed later in the batch) go in as one Core executemany:
    through the ORM's unit of work they were the largest write cost of the pipeline.
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
    item_ids = [item.id for item, _ in batch]
    stored = {
        m.id: m
        for m in session.scalars(
            select(ItemIndicatorRecord).where(ItemIndicatorRecord.item_id.in_(item_ids))
        )
    }
    needed = {iid for ids in ids_per_item for iid in ids}
    needed |= {m.indicator_id for mid, m in stored.items() if mid not in wanted}
    indicators = {
        rec.id: rec
        for rec in session.scalars(select(IndicatorRecord).where(IndicatorRecord.id.in_(needed)))
    }
    for mid, mention in stored.items():
        if mid not in wanted:
            session.delete(mention)
            gone = indicators.get(mention.indicator_id)
            if gone is not None:
                gone.mentions = max((gone.mentions or 1) - 1, 0)
    fresh: list[dict[str, object]] = []
    for mid, (item, ind) in wanted.items():
        seen = item.published_at or item.fetched_at or utcnow()
        iid = indicator_id(ind.type, ind.value)
        rec = indicators.get(iid)
        if rec is None:
            rec = IndicatorRecord(
                id=iid,
                type=ind.type,
                value=ind.value,
                valid=ind.valid,
                first_seen=seen,
                last_seen=seen,
                mentions=0,
            )
            session.add(rec)
            indicators[iid] = rec
        else:
            rec.first_seen = min(_naive(rec.first_seen), _naive(seen))
            rec.last_seen = max(_naive(rec.last_seen), _naive(seen))
        facts = _facts(ind)
        if facts and any((rec.tags or {}).get(k) != v for k, v in facts.items()):
            rec.tags = {**(rec.tags or {}), **facts}  # a new dict, so the JSON change is seen
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
            rec.mentions = (rec.mentions or 0) + 1
    if fresh:
        session.flush()  # new indicators first: the mentions refer to them
        session.execute(insert(ItemIndicatorRecord.__table__), fresh)  # Core, not ORM bulk
    return ids_per_item


def _facts(ind: Indicator) -> dict[str, object]:
    """What an extractor knows about the value itself (card scheme, wallet network...).

    Facts about one sighting (OCR confidence, which image) stay with the mention.
    """
    meta = getattr(ind, "meta", None) or {}
    return {k: v for k, v in meta.items() if k not in {"ocr", "source", "confidence", "image"}}


def _naive(value: datetime) -> datetime:
    """SQLite returns naive datetimes: compare everything as naive UTC."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value

"""Indicator mentions converge to what the item says now, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from narcowatch.extract.base import Indicator
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id, save_indicators
from narcowatch.store.tables import IndicatorRecord, ItemIndicatorRecord, ItemRecord, SourceRecord


def _item(session, n: int) -> ItemRecord:  # type: ignore[no-untyped-def]
    if session.get(SourceRecord, "s") is None:
        session.add(SourceRecord(id="s", kind="file", name="s"))
        session.flush()
    item = ItemRecord(id=f"i{n}", source_id="s", external_id=str(n), text="", blob_sha256="0")
    session.add(item)
    session.flush()
    return item


def _hit(value: str, start: int) -> Indicator:
    return Indicator("telegram", value, "@" + value, start, start + len(value) + 1, True, "t.v1")


def test_reprocessing_is_idempotent_and_edits_drop_stale_mentions(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        first, second = _item(s, 1), _item(s, 2)
        save_indicators(s, first, [_hit("shop_bot", 0), _hit("oper", 20)])
        save_indicators(s, second, [_hit("shop_bot", 5)])
        save_indicators(s, first, [_hit("shop_bot", 0), _hit("oper", 20)])  # re-run
    with any_runtime.db.session() as s:
        shared = s.get(IndicatorRecord, indicator_id("telegram", "shop_bot"))
        assert shared is not None and shared.mentions == 2
        assert s.scalar(select(func.count()).select_from(ItemIndicatorRecord)) == 3
        save_indicators(s, s.get(ItemRecord, "i1"), [_hit("shop_bot", 0)])  # edited: no "oper"
    with any_runtime.db.session() as s:
        oper = s.get(IndicatorRecord, indicator_id("telegram", "oper"))
        assert oper is not None and oper.mentions == 0
        mentions = s.scalars(
            select(ItemIndicatorRecord.indicator_id).where(ItemIndicatorRecord.item_id == "i1")
        ).all()
        assert mentions == [indicator_id("telegram", "shop_bot")]


def test_value_facts_are_kept_and_sighting_facts_are_not(runtime: Runtime) -> None:
    card = Indicator("card", "4400430000000004", "4400 4300 0000 0004", 0, 19, True, "cards.v1")
    card.meta = {"scheme": "visa", "source": "ocr", "confidence": "91.0"}
    with runtime.db.session() as s:
        save_indicators(s, _item(s, 1), [card])
    with runtime.db.session() as s:
        rec = s.get(IndicatorRecord, indicator_id("card", "4400430000000004"))
        assert rec is not None and rec.tags == {"scheme": "visa"}


def test_a_batch_counts_mentions_and_widens_first_and_last_seen(any_runtime: Runtime) -> None:
    """Several items of one batch naming one value: one indicator, every mention counted,
    seen from the earliest to the latest post, also when a later batch adds older posts."""
    from datetime import UTC, datetime

    from narcowatch.store.indicators import save_indicators_many

    def at(day: int) -> datetime:
        return datetime(2026, 3, day, 12, tzinfo=UTC)

    with any_runtime.db.session() as s:
        items = [_item(s, n) for n in range(1, 5)]
        for item, day in zip(items, (10, 12, 11, 5), strict=True):
            item.published_at = at(day)
        save_indicators_many(s, [(i, [_hit("shop_bot", 0)]) for i in items[:3]])
        save_indicators_many(s, [(items[3], [_hit("shop_bot", 3), _hit("oper", 20)])])
    with any_runtime.db.session() as s:
        rec = s.get(IndicatorRecord, indicator_id("telegram", "shop_bot"))
        assert rec is not None and rec.mentions == 4
        seen = [d if d.tzinfo else d.replace(tzinfo=UTC) for d in (rec.first_seen, rec.last_seen)]
        assert seen == [at(5), at(12)]  # SQLite hands back naive UTC
        assert s.scalar(select(func.count()).select_from(IndicatorRecord)) == 2

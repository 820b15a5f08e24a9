"""The prepare phase: pure stage work before the write transaction, with the same results."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import select

from narcowatch.pipeline.context import ItemContext, Stage
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.stages import default_stages
from narcowatch.runtime import Runtime
from narcowatch.store.tables import (
    DetectionRecord,
    DocumentRecord,
    ItemIndicatorRecord,
    ItemRecord,
)
from tests.pipeline.test_guarantees import TOTAL, ingest_all, requeue_all

DRUG = "Закладки мефедрон 1г, оплата USDT TRC20, оператор @shop_op_1 в телеграм"
BIKE = "Продам велосипед, почти новый, самовывоз из центра города"


class NoPrepare:
    """A stage seen without its ``prepare`` (everything computed inside the transaction)."""

    def __init__(self, inner: Stage) -> None:
        self.inner, self.name = inner, inner.name

    def process(self, ctx: ItemContext) -> None:
        self.inner.process(ctx)

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        self.inner.process_batch(ctxs)  # type: ignore[attr-defined]


def results(rt: Runtime) -> dict[str, Any]:
    with rt.db.session(readonly=True) as s:
        return {
            "documents": sorted(s.execute(select(DocumentRecord.id, DocumentRecord.folded)).all()),
            "detections": sorted(
                s.execute(
                    select(
                        DetectionRecord.item_id,
                        DetectionRecord.label,
                        DetectionRecord.score,
                        DetectionRecord.queued,
                        DetectionRecord.priority,
                    )
                ).all()
            ),
            "reasons": sorted(
                (d.item_id, str(d.reasons)) for d in s.scalars(select(DetectionRecord))
            ),
            "mentions": sorted(
                s.execute(
                    select(ItemIndicatorRecord.item_id, ItemIndicatorRecord.indicator_id)
                ).all()
            ),
        }


def test_prepared_batches_store_what_in_transaction_batches_store(runtime: Runtime) -> None:
    ingest_all(runtime)
    runner = Runner(runtime.db, runtime.settings)
    assert len(runner._preparing()) == 3  # normalize, classify, extract
    assert runner.run().processed == TOTAL
    prepared = results(runtime)
    requeue_all(runtime)
    plain = [NoPrepare(stage) for stage in default_stages()]
    assert Runner(runtime.db, runtime.settings, plain).run().processed == TOTAL
    assert results(runtime) == prepared
    assert any(label == 1 for _, label, *_ in prepared["detections"])


def test_item_changed_after_prepare_is_computed_again(runtime: Runtime) -> None:
    ingest_all(runtime)
    runner = Runner(runtime.db, runtime.settings)
    stale = runner.prepare()
    changed = sorted(stale)[0]
    with runtime.db.session() as s:
        item = s.get(ItemRecord, changed)
        assert item is not None
        item.text = BIKE if stale[changed][1].det and stale[changed][1].det.label else DRUG
    runner.prepare = lambda: stale  # type: ignore[method-assign]
    runner.run_batch()
    with runtime.db.session(readonly=True) as s:
        det = s.scalars(select(DetectionRecord).where(DetectionRecord.item_id == changed)).one()
        doc = s.get(DocumentRecord, changed)
        item = s.get(ItemRecord, changed)
        assert item is not None and doc is not None and item.status == "done"
        assert doc.text.startswith(item.text[:20])  # normalised from the new text
        assert det.label == (1 if item.text == DRUG else 0)


class WritesElsewhere:
    """Stands for a crawler storing pages while the pipeline computes: it writes from
    another connection, with a short busy timeout, during the prepare phase."""

    name = "crawler"

    def __init__(self, path: str) -> None:
        self.path, self.wrote = path, 0

    def prepare(self, ctxs: list[ItemContext]) -> None:
        if not ctxs:
            return
        con = sqlite3.connect(self.path, timeout=0.5)
        try:
            con.execute("BEGIN IMMEDIATE")  # raises "database is locked" if the lock is held
            table = ItemRecord.__tablename__
            con.execute(f"UPDATE {table} SET author = 'crawler' WHERE id = ?", (ctxs[0].item.id,))
            con.commit()
            self.wrote += 1
        finally:
            con.close()

    def process(self, ctx: ItemContext) -> None:
        pass

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        pass


def test_prepare_does_not_hold_the_sqlite_write_lock(runtime: Runtime) -> None:
    ingest_all(runtime)
    writer = WritesElsewhere(str(runtime.settings.data_dir / "narcowatch.db"))
    runner = Runner(runtime.db, runtime.settings, [writer, *default_stages()])
    assert runner.run().processed == TOTAL
    assert writer.wrote >= 1
    with runtime.db.session(readonly=True) as s:
        assert s.scalar(select(ItemRecord).where(ItemRecord.author == "crawler")) is not None


def test_next_batch_is_read_from_an_index_without_sorting_the_backlog(runtime: Runtime) -> None:
    query = Runner(runtime.db, runtime.settings, [])._pending()
    sql = str(query.compile(runtime.db.engine, compile_kwargs={"literal_binds": True}))
    with runtime.db.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "ix_raw_items_pending" in plan
    assert "TEMP B-TREE" not in plan

"""Runs the stages over stored items that are not processed yet, one transaction per batch.

A crash loses at most the batch in flight, which is rolled back and processed again on
the next run; deterministic ids make that re-run an upsert, never a duplicate.

The pure computation of the leading stages (normalise, classify, extract: about half the
CPU of a batch) runs first on a read-only snapshot, outside the write transaction. On
SQLite a write transaction holds the one database write lock, which the crawler needs to
store pages; holding it only while results are written lets a crawl and a pipeline worker
run side by side instead of in turns. An item changed in between is computed again inside.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Select, Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from narcowatch.errors import DropItem
from narcowatch.pipeline.context import ItemContext, Stage
from narcowatch.pipeline.counters import Counters
from narcowatch.pipeline.stages import default_stages
from narcowatch.settings import Settings
from narcowatch.store.db import Database
from narcowatch.store.tables import ItemRecord, utcnow

log = logging.getLogger(__name__)
ITEMS = cast(Table, ItemRecord.__table__)


@dataclass
class RunResult:
    processed: int
    counters: dict[str, dict[str, int]]


def _claim(query: Select[tuple[ItemRecord]]) -> Select[tuple[ItemRecord]]:
    """The rows this transaction will process, locked against other workers.

    On PostgreSQL two workers would otherwise both read a batch as new and both process it
    (``FOR UPDATE SKIP LOCKED``: the second takes the next rows, or none). SQLite renders no
    lock clause: its writers are already serialised by ``BEGIN IMMEDIATE``, and the status
    is read again inside the transaction.
    """
    return query.with_for_update(skip_locked=True)


def pending_count(db: Database) -> int:
    with db.session() as session:
        return (
            session.scalar(
                select(func.count()).select_from(ItemRecord).where(ItemRecord.status == "new")
            )
            or 0
        )


class Runner:
    def __init__(
        self, db: Database, settings: Settings, stages: Sequence[Stage] | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.stages = list(stages) if stages is not None else default_stages(settings)
        self.counters = Counters()

    def process_item(self, ctx: ItemContext, stage: Stage) -> None:
        """Run one stage on one item inside a SAVEPOINT (fail-soft)."""
        try:
            with ctx.session.begin_nested():
                stage.process(ctx)
        except DropItem as drop:
            ctx.dropped = True
            ctx.count(stage.name, "dropped")
            ctx.errors[stage.name] = f"dropped: {drop}"
        except Exception as exc:  # fail-soft: record and go on with the next stage
            log.exception("stage %s failed on item %s", stage.name, ctx.item.id)
            ctx.errors[stage.name] = f"{type(exc).__name__}: {exc}"
            ctx.count(stage.name, "errors")

    def run_stage(self, stage: Stage, ctxs: list[ItemContext]) -> None:
        """Run ``stage`` over the live items: batched when it can, else item by item."""
        live = [ctx for ctx in ctxs if not ctx.dropped]
        batch = getattr(stage, "process_batch", None)
        if batch is not None and live:
            trial = Counters()
            for ctx in live:
                ctx.counters = trial
            try:
                with live[0].session.begin_nested():
                    batch(live)
            except Exception:  # DropItem included: retry item by item to isolate it
                log.info("stage %s: batch failed, retrying item by item", stage.name)
            else:
                self.counters.absorb(trial)
                return
            finally:
                for ctx in live:
                    ctx.counters = self.counters
        for ctx in live:
            self.process_item(ctx, stage)

    def _preparing(self) -> list[Stage]:
        leading = []
        for stage in self.stages:
            if getattr(stage, "prepare", None) is None:
                break
            leading.append(stage)
        return leading

    def prepare(self) -> dict[str, tuple[str, ItemContext]]:
        """The next batch's pending items with the leading stages' results, read-only."""
        preparing = self._preparing()
        if not preparing:
            return {}
        with self.db.session(readonly=True) as session:
            items = session.scalars(self._pending()).all()
            ctxs = [ItemContext(item, session, self.settings, Counters()) for item in items]
            for stage in preparing:
                try:
                    stage.prepare(ctxs)  # type: ignore[attr-defined]
                except Exception:  # computed again inside the transaction, fail-soft there
                    log.info("stage %s: prepare failed", stage.name, exc_info=True)
                    break
            return {ctx.item.id: (ctx.item.text or "", ctx) for ctx in ctxs if ctx.prepared}

    def _pending(self) -> Select[tuple[ItemRecord]]:
        return (
            select(ItemRecord)
            .where(ItemRecord.status == "new")
            .order_by(ItemRecord.fetched_at, ItemRecord.id)
            .limit(self.settings.batch_size)
        )

    def _context(
        self, item: ItemRecord, session: Session, ready: tuple[str, ItemContext] | None
    ) -> ItemContext:
        ctx = ItemContext(item, session, self.settings, self.counters)
        if ready is not None and ready[0] == (item.text or ""):
            ready_ctx = ready[1]
            ctx.doc, ctx.det, ctx.indicators = ready_ctx.doc, ready_ctx.det, ready_ctx.indicators
            ctx.prepared = ready_ctx.prepared
        return ctx

    def run_batch(self) -> int:
        """Process one batch of new items in one transaction; returns how many."""
        try:
            prepared = self.prepare()
            with self.db.session() as session:
                if prepared:  # the same items, if no other worker took them meanwhile
                    query = select(ItemRecord).where(
                        ItemRecord.id.in_(list(prepared)), ItemRecord.status == "new"
                    )
                    items = sorted(
                        session.scalars(_claim(query)), key=lambda i: (i.fetched_at, i.id)
                    )
                if not prepared or not items:
                    items = list(session.scalars(_claim(self._pending())))
                ctxs = [self._context(item, session, prepared.get(item.id)) for item in items]
                for stage in self.stages:
                    self.run_stage(stage, ctxs)
                self._finish(session, ctxs)
                self.counters.flush(session)
                return len(items)
        except BaseException:
            self.counters.discard_pending()
            raise

    @staticmethod
    def _finish(session: Session, ctxs: list[ItemContext]) -> None:
        """Mark the batch's items processed: one executemany UPDATE, not an ORM flush."""
        if not ctxs:
            return
        now = utcnow()
        rows = [
            {
                "iid": ctx.item.id,
                "status": "dropped" if ctx.dropped else "done",
                "errors": ctx.errors,
                "processed_at": now,
            }
            for ctx in ctxs
        ]
        session.flush()  # a stage's pending ORM changes to items go first
        session.execute(update(ITEMS).where(ITEMS.c.id == bindparam("iid")), rows)

    def run(self, progress: Callable[[int], None] | None = None) -> RunResult:
        total = 0
        while True:
            n = self.run_batch()
            if n == 0:
                break
            total += n
            if progress:
                progress(n)
        return RunResult(processed=total, counters=self.counters.as_dict())

"""Runs the stages over stored items that are not processed yet, one transaction per batch.

A crash loses at most the batch in flight, which is rolled back and processed again on
the next run; deterministic ids make that re-run an upsert, never a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from narcowatch.errors import DropItem
from narcowatch.pipeline.context import ItemContext, Stage
from narcowatch.pipeline.counters import Counters
from narcowatch.pipeline.stages import default_stages
from narcowatch.settings import Settings
from narcowatch.store.db import Database
from narcowatch.store.tables import ItemRecord, utcnow

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    processed: int
    counters: dict[str, dict[str, int]]


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

    def run_batch(self) -> int:
        """Process one batch of new items in one transaction; returns how many."""
        try:
            with self.db.session() as session:
                items = session.scalars(
                    select(ItemRecord)
                    .where(ItemRecord.status == "new")
                    .order_by(ItemRecord.fetched_at, ItemRecord.id)
                    .limit(self.settings.batch_size)
                ).all()
                ctxs = [ItemContext(item, session, self.settings, self.counters) for item in items]
                for stage in self.stages:
                    self.run_stage(stage, ctxs)
                now = utcnow()
                for ctx in ctxs:
                    ctx.item.status = "dropped" if ctx.dropped else "done"
                    ctx.item.errors = ctx.errors
                    ctx.item.processed_at = now
                self.counters.flush(session)
                return len(items)
        except BaseException:
            self.counters.discard_pending()
            raise

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

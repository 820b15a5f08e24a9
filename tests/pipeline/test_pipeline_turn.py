"""On SQLite one worker at a time runs the pipeline; the others skip it for that tick."""

from __future__ import annotations

import fcntl

from sqlalchemy import func, select

from narcowatch.pipeline.background import make_tick, pipeline_turn
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord
from tests.pipeline.test_guarantees import TOTAL, ingest_all


def done(rt: Runtime) -> int:
    with rt.db.session(readonly=True) as s:
        return s.scalar(select(func.count()).where(ItemRecord.status == "done")) or 0


def test_second_worker_skips_the_pipeline_while_another_runs_it(runtime: Runtime) -> None:
    ingest_all(runtime)
    with pipeline_turn(runtime) as first:
        assert first
        with pipeline_turn(runtime) as second:  # another open file: another worker
            assert not second
        make_tick(runtime)()
        assert done(runtime) == 0
    make_tick(runtime)()
    assert done(runtime) == TOTAL


def test_a_dead_holder_leaves_no_lock(runtime: Runtime) -> None:
    lock = runtime.settings.data_dir / "pipeline.lock"
    with lock.open("a") as fh:  # a worker that was killed: its descriptor is closed
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with pipeline_turn(runtime) as mine:
        assert mine


def test_postgres_workers_are_not_serialised(any_runtime: Runtime) -> None:
    with pipeline_turn(any_runtime) as first, pipeline_turn(any_runtime) as second:
        assert first
        assert second == (any_runtime.db.engine.dialect.name != "sqlite")

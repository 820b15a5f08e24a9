"""What a worker does between jobs: schedule due crawls and process newly stored items.

Shared by `narcowatch worker` and the single worker inside `narcowatch serve`.
"""

from __future__ import annotations

import atexit
import fcntl
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from narcowatch.ingest.discovery import DiscoveryStage
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.scheduler import schedule_due
from narcowatch.pipeline.stages import default_stages
from narcowatch.runtime import Runtime

_SETTLED = False


def settle_heap() -> None:
    """Once per process: collect, then freeze what the process holds so far (modules, the
    classifier's model, settings) into the collector's permanent generation.

    A worker keeps ~190,000 long-lived objects that every full collection would walk again;
    freezing them cut the pipeline's CPU per item by ~7 % (``bench/crawl_bench.py``).
    Objects alive now are never collected as cycles later, hence once, after start-up; at
    exit they are unfrozen so that extension modules are finalised as usual.
    """
    global _SETTLED
    if not _SETTLED:
        _SETTLED = True
        gc.collect()
        gc.freeze()
        atexit.register(gc.unfreeze)


@contextmanager
def pipeline_turn(rt: Runtime) -> Iterator[bool]:
    """Whether this worker runs the pipeline now: on SQLite, one worker at a time.

    SQLite writes one batch at a time anyway; two workers ticking together would both
    prepare (classify, extract) the same batch and one of them would throw its work away.
    The other worker skips the pipeline for this tick and stays free for crawl jobs. An
    advisory lock on a file in the data directory, so a killed worker releases it at once;
    PostgreSQL workers (several machines) run batches side by side instead, each claiming
    its own rows.
    """
    if rt.db.engine.dialect.name != "sqlite":
        yield True
        return
    with (rt.settings.data_dir / "pipeline.lock").open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def make_tick(rt: Runtime, *, pipeline: bool = True) -> Callable[[], None]:
    """A tick: enqueue due source crawls, then run the pipeline until nothing is new.

    The heap is settled after the first batch, when the classifier is loaded (or at the
    first tick of a worker without the pipeline)."""
    stages = [*default_stages(rt.settings), DiscoveryStage()]
    runner = Runner(rt.db, rt.settings, stages) if pipeline else None

    def tick() -> None:
        schedule_due(rt)
        if runner is None:
            settle_heap()
            return
        with pipeline_turn(rt) as mine:
            while mine and runner.run_batch():
                settle_heap()

    return tick

"""What a worker does between jobs: schedule due crawls and process newly stored items.

Shared by `narcowatch worker` and the single worker inside `narcowatch serve`.
"""

from __future__ import annotations

from collections.abc import Callable

from narcowatch.ingest.discovery import DiscoveryStage
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.scheduler import schedule_due
from narcowatch.pipeline.stages import default_stages
from narcowatch.runtime import Runtime


def make_tick(rt: Runtime, *, pipeline: bool = True) -> Callable[[], None]:
    """A tick: enqueue due source crawls, then run the pipeline until nothing is new."""
    stages = [*default_stages(rt.settings), DiscoveryStage()]
    runner = Runner(rt.db, rt.settings, stages) if pipeline else None

    def tick() -> None:
        schedule_due(rt)
        if runner is not None:
            while runner.run_batch():
                pass

    return tick

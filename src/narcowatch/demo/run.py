"""``load_demo``: generate (once), ingest, store reports, run the pipeline, create the logins.

Every step is idempotent: the generator is skipped when the data directory already holds a
set with the same seed and size, ingest and report loading upsert by deterministic ids, the
runner only takes unprocessed items, and the accounts are created once.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from narcowatch.demo.accounts import DemoLogin, ensure_demo_users
from narcowatch.demo.generate import (
    ADS_FILE,
    DEFAULT_SEED,
    DEFAULT_SIZE,
    README_MARK,
    REPORTS_FILE,
    generate,
    read_manifest,
)
from narcowatch.demo.reportload import ReportLoad, load_reports
from narcowatch.errors import NarcowatchError
from narcowatch.ingest.files import open_source
from narcowatch.ingest.reports import report_stages
from narcowatch.pipeline.intake import IntakeResult, ingest_source
from narcowatch.pipeline.runner import Runner, pending_count
from narcowatch.runtime import Runtime

log = logging.getLogger(__name__)

ADS_SOURCE = "kz-bazar.example ads [SYNTHETIC]"
DEMO_DIR = "demo"

# A step gets a label and a total (None if unknown) and returns an ``advance(n)`` callback.
ProgressFactory = Callable[[str, int | None], Callable[[int], None]]


def _no_progress(_label: str, _total: int | None) -> Callable[[int], None]:
    return lambda _n: None


@dataclass
class DemoResult:
    demo_dir: Path
    generated: bool
    ingested: dict[str, IntakeResult] = field(default_factory=dict)
    reports: ReportLoad | None = None
    processed: int = 0
    counters: dict[str, dict[str, int]] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    login_file: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def new_items(self) -> int:
        return sum(r.new for r in self.ingested.values()) + (
            self.reports.items if self.reports else 0
        )


def prepare_data(demo_dir: Path, seed: int, size: int) -> bool:
    """Generate the set into ``demo_dir`` unless the same seed and size are already there."""
    manifest = read_manifest(demo_dir)
    if manifest and manifest.get("seed") == seed and manifest.get("size") == size:
        return False
    if demo_dir.exists() and any(demo_dir.iterdir()):
        readme = demo_dir / "README.txt"
        if not (readme.is_file() and readme.read_text("utf-8").startswith(README_MARK)):
            raise NarcowatchError(
                f"{demo_dir} holds files that are not a narcowatch demo set; move them away "
                "or use another --data-dir",
                code="E191",
                path=str(demo_dir),
            )
    # Generate next to it and swap in, so an interrupted run never leaves half a set.
    partial = demo_dir.with_name(demo_dir.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    generate(partial, seed=seed, size=size)
    if demo_dir.exists():
        shutil.rmtree(demo_dir)  # an older or broken demo set
    partial.rename(demo_dir)
    return True


def import_files(
    runtime: Runtime, demo_dir: Path, progress: ProgressFactory = _no_progress
) -> dict[str, IntakeResult]:
    """Every Telegram export and the ads dump, each file atomically (``ingest_source``)."""
    files = sorted(demo_dir.glob("telegram/*/result.json"))
    results: dict[str, IntakeResult] = {}
    for path in [*files, demo_dir / ADS_FILE]:
        rel = path.relative_to(demo_dir).as_posix()
        name = ADS_SOURCE if rel == ADS_FILE else None
        source = open_source(path, name=name, max_bytes=runtime.settings.max_import_bytes)
        advance = progress(f"ingest {rel}", None)
        results[rel] = ingest_source(runtime.db, runtime.blobs, source, progress=advance)
    return results


def load_demo(
    runtime: Runtime,
    *,
    seed: int = DEFAULT_SEED,
    size: int = DEFAULT_SIZE,
    progress: ProgressFactory = _no_progress,
) -> DemoResult:
    """Everything ``narcowatch demo`` does before serving the UI."""
    demo_dir = Path(runtime.settings.data_dir) / DEMO_DIR
    started = time.perf_counter()
    result = DemoResult(demo_dir=demo_dir, generated=prepare_data(demo_dir, seed, size))
    result.timings["generate"] = time.perf_counter() - started

    started = time.perf_counter()
    result.ingested = import_files(runtime, demo_dir, progress)
    result.timings["ingest"] = time.perf_counter() - started

    started = time.perf_counter()
    rows = sum(1 for _ in (demo_dir / REPORTS_FILE).open(encoding="utf-8"))
    result.reports = load_reports(
        runtime, demo_dir / REPORTS_FILE, seed, progress("citizen reports", rows)
    )
    result.timings["reports"] = time.perf_counter() - started

    started = time.perf_counter()
    advance = progress("pipeline", pending_count(runtime.db))
    # The reporting area's stages add its queue step for citizen-report items.
    run = Runner(runtime.db, runtime.settings, stages=report_stages()).run(progress=advance)
    result.processed, result.counters = run.processed, run.counters
    result.timings["pipeline"] = time.perf_counter() - started

    result.logins, result.login_file = ensure_demo_users(runtime)
    log.info("demo loaded: %s new items, %s processed", result.new_items, result.processed)
    return result

"""bench/pipeline_speed.py keeps working: a tiny run prints figures, counters and machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "pipeline_speed.py"


def test_bench_prints_throughput_counters_and_environment() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NARCOWATCH_TEST_DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, str(BENCH), "--size", "60", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=True,
    ).stdout
    report = json.loads(out)
    (run,) = report["runs"]
    assert run["backend"] == "sqlite"
    assert run["ingest_items"] == run["pipeline_items"] > 60  # posts, ads, report items
    assert run["ingest_items_per_s"] > 0 and run["pipeline_items_per_s"] > 0
    assert run["counters"]["classify"]["items"] == run["pipeline_items"]
    assert report["environment"]["python"] and report["environment"]["cores"]

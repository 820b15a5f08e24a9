"""Pipeline throughput on the synthetic demo set: items/s for ingest and for the pipeline.

Generates the demo set into a temporary directory, ingests it (Telegram exports and the ads
dump through ``open_source`` + ``ingest_source``, citizen reports through the demo loader)
and runs the pipeline, on SQLite and, when ``NARCOWATCH_TEST_DATABASE_URL`` is set, on a
freshly created PostgreSQL database. Prints the figures, the stage counters and the
environment they were measured in.

    .venv/bin/python bench/pipeline_speed.py [--size 3000] [--seed 2026] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from narcowatch.classify.registry import get_classifier
from narcowatch.demo.generate import REPORTS_FILE, generate
from narcowatch.demo.reportload import load_reports
from narcowatch.demo.run import import_files
from narcowatch.extract.registry import get_extractors
from narcowatch.ingest.reports import report_stages
from narcowatch.pipeline.runner import Runner, pending_count
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings

PACKAGES = ("narcowatch", "sqlalchemy", "psycopg", "alembic", "regex", "phonenumbers")


def environment() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "packages": versions,
    }


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database for the run, dropped afterwards."""
    if admin_url.startswith("postgresql://"):
        admin_url = "postgresql+psycopg://" + admin_url.removeprefix("postgresql://")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"nw_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def measure(demo_dir: Path, work: Path, database_url: str, seed: int) -> dict[str, Any]:
    settings = Settings.model_validate(
        {
            "data_dir": work,
            "database_url": database_url,
            "secret_key": "bench",
            "pseudonym_key": "bench",
        }
    )
    rt = Runtime.open(settings)
    try:
        started = time.perf_counter()
        intake = import_files(rt, demo_dir)
        reports = load_reports(rt, demo_dir / REPORTS_FILE, seed)
        ingest_s = time.perf_counter() - started
        ingested = sum(r.new for r in intake.values()) + reports.items

        started = time.perf_counter()
        get_classifier(settings.classifier)
        get_extractors()
        warmup_s = time.perf_counter() - started

        pending = pending_count(rt.db)
        started = time.perf_counter()
        result = Runner(rt.db, settings, stages=report_stages()).run()
        pipeline_s = time.perf_counter() - started
        server = rt.db.engine.dialect.server_version_info
    finally:
        rt.close()
    return {
        "backend": rt.db.engine.url.get_backend_name(),
        "server_version": ".".join(str(x) for x in server or ()),
        "ingest_items": ingested,
        "ingest_s": round(ingest_s, 2),
        "ingest_items_per_s": round(ingested / ingest_s, 1),
        "models_load_s": round(warmup_s, 2),
        "pipeline_items": result.processed,
        "pending_before": pending,
        "pipeline_s": round(pipeline_s, 2),
        "pipeline_items_per_s": round(result.processed / pipeline_s, 1),
        "batch_size": settings.batch_size,
        "counters": result.counters,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3000, help="posts and ads to generate")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="nw-bench-") as tmp:
        root = Path(tmp)
        manifest = generate(root / "demo", seed=args.seed, size=args.size)
        runs.append(measure(root / "demo", root / "sqlite", "", args.seed))
        pg = os.environ.get("NARCOWATCH_TEST_DATABASE_URL", "")
        if pg:
            with fresh_postgres(pg) as url:
                runs.append(measure(root / "demo", root / "postgres", url, args.seed))
    report = {"demo": manifest.data["counts"], "runs": runs, "environment": environment()}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    counts = manifest.data["counts"]
    print(
        f"demo set: seed {args.seed}, {counts['telegram_posts']} posts, {counts['ads']} ads, "
        f"{counts['reports']} reports"
    )
    for run in runs:
        print(f"\n{run['backend']} {run['server_version']} (batch {run['batch_size']})")
        print(
            f"  ingest:   {run['ingest_items']} items in {run['ingest_s']} s "
            f"= {run['ingest_items_per_s']} items/s"
        )
        print(f"  models:   loaded in {run['models_load_s']} s")
        print(
            f"  pipeline: {run['pipeline_items']} items in {run['pipeline_s']} s "
            f"= {run['pipeline_items_per_s']} items/s"
        )
        for stage, keys in sorted(run["counters"].items()):
            print(f"    {stage}: " + ", ".join(f"{k}={v}" for k, v in sorted(keys.items())))
    env = report["environment"]
    print(
        f"\nenvironment: {env['cpu']}, {env['cores']} cores, load {env['load_average']}, "
        f"Python {env['python']}, SQLite {env['sqlite']}, {env['platform']}"
    )
    print("packages: " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()))


if __name__ == "__main__":
    main()

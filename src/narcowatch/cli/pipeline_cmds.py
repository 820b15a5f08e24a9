"""`init`, `ingest` and `run`: fill the store and process it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from narcowatch.cli.common import console, open_runtime, progress, user_errors
from narcowatch.ingest.files import open_source
from narcowatch.pipeline.intake import ingest_source
from narcowatch.pipeline.runner import Runner, pending_count

DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("ingest")(ingest)
    app.command("run")(run)


def init(data_dir: DataDir = None) -> None:
    """Create the data directory and bring the database schema up to date."""
    with user_errors():
        rt = open_runtime(data_dir)
        console.print(
            f"ready: {rt.settings.data_dir.resolve()} ({rt.db.engine.url.get_backend_name()})"
        )


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Telegram result.json, JSONL or CSV files.")],
    fmt: Annotated[
        str, typer.Option("--format", help="auto, telegram, jsonl, json or csv.")
    ] = "auto",
    source: Annotated[str | None, typer.Option(help="Source name (default: from file).")] = None,
    text_column: Annotated[str, typer.Option(help="Text field of JSONL/CSV rows.")] = "text",
    process: Annotated[bool, typer.Option("--run/--no-run", help="Run the pipeline after.")] = True,
    data_dir: DataDir = None,
) -> None:
    """Store items from files (each file atomically), then run the pipeline over them."""
    with user_errors():
        rt = open_runtime(data_dir)
        for path in paths:
            src = open_source(
                path,
                fmt=fmt,
                name=source,
                text_column=text_column,
                max_bytes=rt.settings.max_import_bytes,
            )
            with progress(label=f"ingest {path.name}") as bar:
                task = bar.add_task("ingest", total=None)
                res = ingest_source(
                    rt.db, rt.blobs, src, progress=lambda n, t=task: bar.advance(t, n)
                )
            console.print(
                f"{path}: {res.new} new, {res.updated} updated, {res.unchanged} unchanged"
            )
        if process:
            _run(rt)


def run(data_dir: DataDir = None) -> None:
    """Process every stored item that has not been processed yet."""
    with user_errors():
        _run(open_runtime(data_dir))


def _run(rt) -> None:  # type: ignore[no-untyped-def]
    total = pending_count(rt.db)
    started = time.perf_counter()
    with progress(label="pipeline") as bar:
        task = bar.add_task("run", total=total)
        result = Runner(rt.db, rt.settings).run(progress=lambda n: bar.advance(task, n))
    elapsed = time.perf_counter() - started
    rate = result.processed / elapsed if elapsed > 0 else 0.0
    console.print(f"processed {result.processed} items in {elapsed:.1f}s ({rate:.0f} items/s)")
    for stage, keys in result.counters.items():
        console.print(f"  {stage}: " + ", ".join(f"{k}={v}" for k, v in sorted(keys.items())))

"""Shared CLI plumbing: opening the runtime, reporting errors, progress bars."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from narcowatch.errors import NarcowatchError
from narcowatch.runtime import Runtime
from narcowatch.settings import load_settings

console = Console(stderr=True)


def open_runtime(data_dir: str | None = None, database_url: str | None = None) -> Runtime:
    settings = load_settings(data_dir=data_dir, database_url=database_url)
    return Runtime.open(settings)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn a NarcowatchError into a clear message and exit code 2, never a traceback."""
    try:
        yield
    except NarcowatchError as exc:
        console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(2) from exc


def progress(total: int | None = None, label: str = "working") -> Progress:
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not sys.stderr.isatty(),
        transient=True,
    )

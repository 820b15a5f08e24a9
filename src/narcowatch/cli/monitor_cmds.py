"""`narcowatch worker`, `narcowatch sources add/list/crawl`: monitoring from the command line."""

from __future__ import annotations

import json
import signal
import threading

import typer
from rich.table import Table
from sqlalchemy import select

from narcowatch.cli.common import console, open_runtime, user_errors
from narcowatch.ingest.crawl import add_source, crawl_source
from narcowatch.pipeline import jobs
from narcowatch.pipeline.background import make_tick
from narcowatch.pipeline.dedup import regroup
from narcowatch.store.tables import SourceRecord

sources_app = typer.Typer(help="Monitored sources: Telegram previews, websites, feeds, ad boards.")


def worker(
    once: bool = typer.Option(False, help="Run the due jobs once, then exit."),
    poll: float = typer.Option(1.0, help="Seconds to wait when there is nothing to do."),
    pipeline: bool = typer.Option(True, help="Also run the pipeline on newly stored items."),
    data_dir: str = typer.Option(None, help="Data directory."),
) -> None:
    """Run background jobs (crawls, captures, re-checks) until interrupted."""
    with user_errors():
        rt = open_runtime(data_dir)
        jobs.load_default_handlers()
        tick = make_tick(rt, pipeline=pipeline)
        stop = threading.Event()

        try:
            if once:
                tick()
                done = jobs.run_due(rt, limit=100)
                tick()
                console.print(json.dumps({"jobs": done}))
            else:
                signal.signal(signal.SIGTERM, lambda *_: stop.set())
                jobs.work(rt, stop, poll_s=poll, on_tick=tick)
        except KeyboardInterrupt:
            stop.set()
        finally:
            rt.close()


@sources_app.command("add")
def sources_add(
    kind: str = typer.Argument(..., help="telegram_web|telegram_mtproto|web|rss|classifieds"),
    url: str = typer.Argument(..., help="Channel name or URL."),
    name: str = typer.Option(None, help="Display name (default: the URL)."),
    interval: int = typer.Option(None, help="Seconds between crawls."),
    config: str = typer.Option("{}", help="JSON options (scope, max_depth, max_pages, site...)."),
) -> None:
    """Add or update a monitored source."""
    with user_errors():
        rt = open_runtime()
        try:
            options = json.loads(config)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"--config is not JSON: {exc}") from exc
        sid = add_source(rt, kind, url, name, options, interval)
        console.print(sid)
        rt.close()


@sources_app.command("list")
def sources_list() -> None:
    """Sources with their health."""
    rt = open_runtime()
    table = Table("id", "kind", "name", "health", "items", "last success", "last error")
    with rt.db.session() as session:
        for src in session.scalars(
            select(SourceRecord).order_by(SourceRecord.kind, SourceRecord.name)
        ):
            table.add_row(
                src.id,
                src.kind,
                src.name,
                src.health,
                str(src.items_found),
                str(src.last_success or ""),
                (src.last_error or "")[:60],
            )
    rt.close()
    console.print(table)


@sources_app.command("crawl")
def sources_crawl(
    source_id: str = typer.Argument(..., help="Source id (see `sources list`)."),
) -> None:
    """Crawl one source now, in this process."""
    with user_errors():
        rt = open_runtime()
        try:
            console.print(json.dumps(crawl_source(rt, source_id), ensure_ascii=False))
        finally:
            rt.close()


def dedup(
    threshold: float = typer.Option(0.6, help="MinHash Jaccard from which posts are one ad."),
) -> None:
    """Rebuild the groups of repeated ads (exact and near duplicates) over all items."""
    with user_errors():
        rt = open_runtime()
        try:
            summary = regroup(rt, threshold)
        finally:
            rt.close()
        console.print(
            json.dumps(
                {
                    "items": summary.items,
                    "groups": summary.groups,
                    "grouped_items": summary.grouped_items,
                    "largest": summary.largest,
                }
            )
        )


def register(app: typer.Typer) -> None:
    app.command("dedup")(dedup)
    app.command("worker")(worker)
    app.add_typer(sources_app, name="sources")

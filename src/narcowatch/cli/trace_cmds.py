"""`narcowatch trace ...`: import transfers, manage tags, run traces, detect deposits, cluster,
export dropper-card requisites and write trace reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TaskID

from narcowatch.cli.common import console, open_runtime, progress, user_errors
from narcowatch.cli.trace_tag_cmds import tag_app
from narcowatch.errors import TraceError
from narcowatch.trace import service
from narcowatch.trace.addresses import guess_chain
from narcowatch.trace.plan import TracePlan
from narcowatch.trace.tags import STOP_CATEGORIES

DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]
Actor = Annotated[str, typer.Option("--actor", help="Who does this (for the audit log).")]

trace_app = typer.Typer(
    help="Follow the money: transfers, tags, traces, deposits, clusters.", no_args_is_help=True
)
trace_app.add_typer(tag_app, name="tag")


def register(app: typer.Typer) -> None:
    app.add_typer(trace_app, name="trace")


def _when(text: str | None) -> int | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise TraceError(
            f"{text!r} is not an ISO date or time (e.g. 2024-05-01)", code="E832"
        ) from exc
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


@trace_app.command("run")
def run(
    seeds: Annotated[list[str], typer.Argument(help="Seed addresses (shop wallets).")],
    chain: Annotated[
        str | None, typer.Option(help="tron, bitcoin or ethereum (default: guessed).")
    ] = None,
    direction: Annotated[
        str, typer.Option(help="forward (where it went) or backward.")
    ] = "forward",
    model: Annotated[str, typer.Option(help="Taint model: poison, haircut or fifo.")] = "poison",
    hops: Annotated[int, typer.Option(help="Maximum hops.")] = 4,
    since: Annotated[str | None, typer.Option(help="Window start (ISO date/time, UTC).")] = None,
    until: Annotated[str | None, typer.Option(help="Window end (ISO date/time, UTC).")] = None,
    min_amount: Annotated[str, typer.Option(help="Ignore smaller transfers.")] = "0",
    asset: Annotated[str | None, typer.Option(help="Only this asset (e.g. USDT).")] = None,
    stop: Annotated[str, typer.Option(help="Stop categories, comma-separated.")] = ",".join(
        sorted(STOP_CATEGORIES)
    ),
    max_addresses: Annotated[
        int, typer.Option(help="Stop when more addresses are reached.")
    ] = 20_000,
    max_transfers: Annotated[
        int, typer.Option(help="Stop when more transfers are reached.")
    ] = 200_000,
    allow_service_seed: Annotated[
        bool, typer.Option(help="Allow tracing from an exchange.")
    ] = False,
    backend: Annotated[str, typer.Option(help="duckdb (default) or spark.")] = "duckdb",
    fmt: Annotated[
        str, typer.Option("--format", help="json, csv (cash-outs), edges-csv or table.")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here, not stdout.")
    ] = None,
    save: Annotated[bool, typer.Option(help="Save the run (and attach it to --case).")] = False,
    case: Annotated[str | None, typer.Option(help="Case id to attach the saved run to.")] = None,
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Trace money from seed addresses to cash-out points."""
    with user_errors():
        rt = open_runtime(data_dir)
        try:
            minimum = Decimal(min_amount)
        except InvalidOperation as exc:
            raise TraceError(f"--min-amount {min_amount!r} is not a number", code="E832") from exc
        plan = TracePlan(
            chain=chain or guess_chain(seeds[0]),
            seeds=tuple(seeds),
            direction=direction,
            model=model,
            max_hops=hops,
            start=_when(since),
            end=_when(until),
            min_amount=minimum,
            asset=asset,
            stop_categories=frozenset(c.strip() for c in stop.split(",") if c.strip()),
            max_addresses=max_addresses,
            max_edges=max_transfers,
            allow_service_seed=allow_service_seed,
        )
        with progress(total=hops, label="trace") as bar:
            task = bar.add_task("hops", total=hops)
            result = service.trace(
                rt,
                plan,
                backend=backend,
                progress=lambda hop, front, edges: bar.update(task, completed=hop),
            )
        if save or case:
            from narcowatch.trace.runs import save_run

            rec = save_run(rt, result, actor=actor, case_id=case)
            console.print(f"saved trace run {rec.id}" + (f" in case {case}" if case else ""))
        if result.stopped:
            console.print(f"[yellow]warning[/yellow] {result.stopped}")
        text = _render(result, fmt)
        if output:
            output.write_text(text, encoding="utf-8")
            console.print(f"wrote {output}")
        else:
            typer.echo(text, nl=False)


def _render(result, fmt: str) -> str:  # type: ignore[no-untyped-def]
    if fmt == "json":
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        return result.cashouts_csv()
    if fmt == "edges-csv":
        return result.edges_csv()
    if fmt != "table":
        raise TraceError("--format must be json, csv, edges-csv or table", code="E832")
    lines = [f"{k}: {v}" for k, v in result.summary().items()]
    lines.append("")
    lines.append(f"{'amount':>22}  {'category':<10} {'label':<30} address")
    for c in result.cashouts:
        lines.append(f"{c['amount']:>22}  {c['category']:<10} {c['label'][:30]:<30} {c['address']}")
    return "\n".join(lines) + "\n"


@trace_app.command("import")
def import_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Transfer exports (CSV / JSON lines).")],
    fmt: Annotated[
        str, typer.Option("--format", help="auto, tron, ethereum, bitcoin or plain.")
    ] = "auto",
    blocks: Annotated[
        Path | None, typer.Option(help="ethereum-etl blocks.csv for timestamps.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import transfers into the Parquet store (duplicates ignored, bad lines reported)."""
    from narcowatch.trace.importing import import_file

    with user_errors():
        rt = open_runtime(data_dir)
        store = service.transfer_store(rt)
        for path in paths:
            with progress(label=f"import {path.name}") as bar:
                task = bar.add_task("rows", total=None)

                def advance(n: int, task: TaskID = task, bar: Progress = bar) -> None:
                    bar.advance(task, n)

                report = import_file(store, path, fmt, blocks=blocks, progress=advance)
            console.print(
                f"{path}: {report.imported} imported, {report.duplicates} duplicates, "
                f"{report.skipped} bad lines ({report.fmt})"
            )
            for line, message in report.errors[:20]:
                console.print(f"  line {line}: {message}")
            if len(report.errors) > 20:
                console.print(f"  ... and {report.skipped - 20} more")


@trace_app.command("compact")
def compact(data_dir: DataDir = None) -> None:
    """Merge the files of each partition into one sorted file (faster scans)."""
    with user_errors():
        store = service.transfer_store(open_runtime(data_dir))
        console.print(f"compacted {store.compact()} partitions; {store.count()} transfers")


@trace_app.command("deposits")
def deposits(
    chain: Annotated[str, typer.Option()] = "tron",
    apply: Annotated[bool, typer.Option("--apply/--dry-run", help="Store them as tags.")] = False,
    min_share: Annotated[
        float, typer.Option(help="Share of outflow swept to one exchange.")
    ] = 0.95,
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Find exchange deposit addresses (they sweep their balance into a tagged exchange)."""
    from narcowatch.trace.deposits import detect_deposits, tag_deposits
    from narcowatch.trace.tags import TagIndex

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            index = TagIndex.load(s, chain)
        hits = detect_deposits(service.transfer_store(rt), index, chain, min_share=min_share)
        for hit in hits[:50]:
            typer.echo(
                f"{hit.address} -> {hit.exchange_label} ({hit.exchange}) swept {hit.swept} "
                f"share {hit.share}"
            )
        if apply:
            with rt.db.session() as s:
                tag_deposits(s, hits, chain, created_by=actor)
        console.print(f"{len(hits)} deposit addresses" + (" tagged" if apply else " (dry run)"))


@trace_app.command("cluster")
def cluster(
    explain: Annotated[
        str | None, typer.Option(help="Explain the cluster of this address.")
    ] = None,
    chain: Annotated[str, typer.Option()] = "bitcoin",
    data_dir: DataDir = None,
) -> None:
    """Common-input clustering of UTXO inputs (CoinJoin-like transactions excluded)."""
    from narcowatch.trace.clustering import cluster_inputs, explain_cluster

    with user_errors():
        store = service.transfer_store(open_runtime(data_dir))
        if explain:
            typer.echo(json.dumps(explain_cluster(store, explain, chain), indent=2))
            return
        report = cluster_inputs(store, chain)
        console.print(json.dumps(report.__dict__))


@trace_app.command("runs")
def runs(limit: Annotated[int, typer.Option()] = 20, data_dir: DataDir = None) -> None:
    """List saved trace runs."""
    from narcowatch.trace.runs import list_runs

    with user_errors():
        for rec in list_runs(open_runtime(data_dir), limit):
            typer.echo(
                f"{rec.id}  {rec.created_at:%Y-%m-%d %H:%M}  {rec.model:7s} {rec.direction:8s} "
                f"{rec.total_to_cashout:>16.2f}  {','.join(rec.seeds)[:60]}  "
                f"case={rec.case_id or '-'}"
            )


@trace_app.command("report")
def report(
    run_id: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="report.html or report.pdf")],
    lang: Annotated[str, typer.Option(help="ru, kk or en.")] = "ru",
    data_dir: DataDir = None,
) -> None:
    """Write the HTML or PDF report of a saved trace run (for a case file)."""
    from narcowatch.store.tables import CaseRecord
    from narcowatch.trace.report import write_report
    from narcowatch.trace.runs import load_run

    with user_errors():
        rt = open_runtime(data_dir)
        rec, data = load_run(rt, run_id)
        case = None
        if rec.case_id:
            with rt.db.session() as s:
                found = s.get(CaseRecord, rec.case_id)
                case = {"id": found.id, "title": found.title} if found else None
        write_report(output, rec.id, data, lang=lang, case=case)
        console.print(f"wrote {output}")


@trace_app.command("requisites")
def requisites(
    output: Annotated[Path, typer.Option("--output", "-o", help="cards.csv or cards.xlsx")],
    shop: Annotated[str | None, typer.Option(help="Only this shop id.")] = None,
    shared_only: Annotated[
        bool, typer.Option(help="Only requisites used by several shops.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Export dropper requisites (cards, IBANs, phones) of shops for requests to banks."""
    from narcowatch.trace.droppers import export_requisites, shop_requisites

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            found = shop_requisites(s, shop)
        if shared_only:
            found = [r for r in found if r.shared]
        export_requisites(found, output)
        console.print(
            f"wrote {len(found)} requisites to {output} "
            f"({sum(r.shared for r in found)} used by several shops)"
        )

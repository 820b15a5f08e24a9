"""`narcowatch case`: cases, blocking requests, re-checks and outcome figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from narcowatch.cli.common import console, open_runtime, user_errors
from narcowatch.cli.evidence_cmds import Actor, DataDir, default_actor

case_app = typer.Typer(help="Cases, blocking requests and re-checks of blocked targets.")


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")


@case_app.command("create")
def create(
    title: Annotated[str | None, typer.Option("--title", help="Case title.")] = None,
    shop: Annotated[str | None, typer.Option("--shop", help="Open from a shop.")] = None,
    detection: Annotated[
        list[str] | None, typer.Option("--detection", help="Open from detections (repeat).")
    ] = None,
    item: Annotated[
        list[str] | None, typer.Option("--item", help="Open from items (repeat).")
    ] = None,
    assignee: Annotated[str | None, typer.Option("--assignee")] = None,
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Create a case (empty, from a shop, from reviewed detections or from items)."""
    from narcowatch.cases import cases as ops

    with user_errors():
        rt = open_runtime(data_dir)
        who = actor or default_actor()
        with rt.db.session() as s:
            if shop:
                case = ops.case_from_shop(s, shop, who, title)
            elif detection:
                case = ops.case_from_detections(s, detection, who, title)
            elif item:
                case = ops.case_from_items(s, item, who, title)
            else:
                case = ops.create_case(s, title=title or "", actor=who)
            if assignee:
                ops.assign(s, case.id, assignee, who)
        typer.echo(case.id)


@case_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option("--status")] = None, data_dir: DataDir = None
) -> None:
    """List cases, newest change first."""
    from narcowatch.cases.cases import list_cases

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            for case in list_cases(s, status=status):
                typer.echo(f"{case.id}  {case.status:<18} {case.assignee or '-':<12} {case.title}")


@case_app.command("show")
def show(case_id: str, data_dir: DataDir = None) -> None:
    """Print a case with its links, notes and history (JSON)."""
    from narcowatch.cases.cases import case_links, get_case

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            case = get_case(s, case_id)
            out = {
                "id": case.id,
                "title": case.title,
                "status": case.status,
                "assignee": case.assignee,
                "links": [[lk.ref_type, lk.ref_id] for lk in case_links(s, case_id)],
                "notes": case.notes,
                "history": case.history,
            }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


@case_app.command("attach")
def attach(
    case_id: str,
    ref_type: Annotated[str, typer.Argument(help="item, shop, indicator, report, trace...")],
    ref_id: str,
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Attach an item, shop, indicator, report or trace to a case."""
    from narcowatch.cases.cases import attach as do_attach

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            added = do_attach(s, case_id, ref_type, ref_id, actor or default_actor())
        console.print("attached" if added else "already attached")


@case_app.command("assign")
def assign(case_id: str, assignee: str, actor: Actor = "", data_dir: DataDir = None) -> None:
    """Assign a case to an analyst."""
    from narcowatch.cases.cases import assign as do_assign

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            do_assign(s, case_id, assignee, actor or default_actor())


@case_app.command("status")
def status(
    case_id: str,
    state: Annotated[str, typer.Argument(help="open, evidence_collected, request_sent, ...")],
    comment: str = "",
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Move a case to another state."""
    from narcowatch.cases.cases import set_status

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            set_status(s, case_id, state, actor or default_actor(), comment)


@case_app.command("note")
def note(case_id: str, text: str, actor: Actor = "", data_dir: DataDir = None) -> None:
    """Add a note to a case."""
    from narcowatch.cases.cases import add_note

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            add_note(s, case_id, text, actor or default_actor())


@case_app.command("request")
def request(
    case: Annotated[str | None, typer.Option("--case")] = None,
    item: Annotated[list[str] | None, typer.Option("--item", help="Item id (repeat).")] = None,
    shop: Annotated[list[str] | None, typer.Option("--shop", help="Shop id (repeat).")] = None,
    category: Annotated[str | None, typer.Option(help="Category key of the template.")] = None,
    ground: Annotated[str | None, typer.Option(help="Legal ground key of the template.")] = None,
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Draft a blocking request from items and shops."""
    from narcowatch.cases import blocking
    from narcowatch.cases.letter import load_template

    with user_errors():
        rt = open_runtime(data_dir)
        tpl = load_template(rt.settings)
        cat = category or tpl.get("default_category", "drug_sale")
        law = ground or tpl.get("default_legal_ground", "cc_299_1")
        with rt.db.session() as s:
            targets = blocking.targets_from_items(s, item or [], cat, law)
            targets += blocking.targets_from_shops(s, shop or [], cat, law)
            req = blocking.create_request(s, rt.settings, targets, actor or default_actor(), case)
        typer.echo(req.id)


@case_app.command("request-status")
def request_status(
    request_id: str, state: str, comment: str = "", actor: Actor = "", data_dir: DataDir = None
) -> None:
    """Set a request's status: sent, acknowledged, blocked, rejected."""
    from narcowatch.cases.blocking import set_request_status

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            req = set_request_status(
                s, rt.settings, request_id, state, actor or default_actor(), comment
            )
            console.print(
                f"{req.id}: {req.status}"
                + (f", deadline {req.deadline:%Y-%m-%d}" if req.deadline else "")
            )


@case_app.command("request-export")
def request_export(
    request_id: str,
    out: Annotated[Path, typer.Option("--out", help="File to write (.xlsx, .csv or .pdf).")],
    lang: Annotated[str, typer.Option(help="ru, kk or en.")] = "ru",
    data_dir: DataDir = None,
) -> None:
    """Export a request as XLSX, CSV or the PDF letter (chosen by the file suffix)."""
    from narcowatch.cases.blocking import get_request
    from narcowatch.cases.letter import export_csv, export_letter_pdf, export_xlsx
    from narcowatch.errors import CaseError

    writers = {".xlsx": export_xlsx, ".csv": export_csv, ".pdf": export_letter_pdf}
    with user_errors():
        if out.suffix not in writers:
            raise CaseError(f"{out.name}: use a .xlsx, .csv or .pdf file name", code="E947")
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            out.write_bytes(writers[out.suffix](get_request(s, request_id), rt.settings, lang))
        typer.echo(str(out))


@case_app.command("requests")
def requests(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    data_dir: DataDir = None,
) -> None:
    """List blocking requests; overdue ones are flagged."""
    from narcowatch.cases.blocking import list_requests, overdue_requests

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            late = {r.id for r in overdue_requests(s)}
            for req in list_requests(s):
                if overdue and req.id not in late:
                    continue
                flag = "OVERDUE" if req.id in late else ""
                due = f"{req.deadline:%Y-%m-%d}" if req.deadline else "-"
                typer.echo(
                    f"{req.id}  {req.status:<12} {len(req.targets):>4} targets  due {due} {flag}"
                )


@case_app.command("recheck")
def recheck(
    concurrency: Annotated[int | None, typer.Option(help="Parallel probes.")] = None,
    schedule: Annotated[
        int | None, typer.Option("--every", help="Also schedule a re-check job every N seconds.")
    ] = None,
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Re-check every blocked target now, flag mirrors, and optionally schedule the next."""
    from narcowatch.cases.jobs import enqueue
    from narcowatch.cases.mirrors import flag_mirrors
    from narcowatch.cases.rechecks import run_rechecks

    with user_errors():
        rt = open_runtime(data_dir)
        totals = run_rechecks(rt, actor or "recheck", concurrency)
        with rt.db.session() as s:
            mirrors = flag_mirrors(s, actor or "recheck")
            if schedule:  # this run just happened: the next one is due in ``schedule`` seconds
                later = datetime.now(UTC) + timedelta(seconds=schedule)
                enqueue(s, "cases.recheck", {"every_s": schedule}, run_after=later)
        typer.echo(
            json.dumps({**totals, "mirrors": [m.address for m in mirrors]}, ensure_ascii=False)
        )


@case_app.command("jobs")
def jobs(data_dir: DataDir = None) -> None:
    """Run the due capture and re-check jobs once."""
    from narcowatch.cases.jobs import run_due_jobs

    with user_errors():
        rt = open_runtime(data_dir)
        for job_id, state in run_due_jobs(rt):
            typer.echo(f"{job_id}  {state}")


@case_app.command("report")
def report(data_dir: DataDir = None) -> None:
    """Time-to-block and reappearance figures (JSON)."""
    from narcowatch.cases.stats import block_report

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            typer.echo(json.dumps(block_report(s), ensure_ascii=False, indent=2))

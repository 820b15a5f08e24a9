"""`narcowatch evidence`: capture, retry, show, export packages, verify packages."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Annotated

import typer

from narcowatch.cli.common import console, open_runtime, user_errors

DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]
Actor = Annotated[
    str,
    typer.Option(
        "--actor",
        help="Who does this (audit and custody log); default NARCOWATCH_ACTOR or the OS user.",
    ),
]

evidence_app = typer.Typer(help="Court-grade evidence: capture, custody, packages, verify.")


def default_actor() -> str:
    return os.environ.get("NARCOWATCH_ACTOR") or f"cli:{getpass.getuser()}"


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


@evidence_app.command("capture")
def capture(
    target: Annotated[str, typer.Argument(help="URL, t.me/... link or @channel.")],
    case: Annotated[str | None, typer.Option("--case", help="Attach to this case.")] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Capture even if the TLS certificate is invalid.")
    ] = False,
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Capture a page: WARC, screenshot, PDF, DOM, certificate, manifest, timestamp."""
    from narcowatch.cases.capture import capture_evidence
    from narcowatch.cases.cases import attach

    with user_errors():
        rt = open_runtime(data_dir)
        who = actor or default_actor()
        ev = capture_evidence(rt, target, who, case, verify=not insecure)
        if case:
            with rt.db.session() as s:
                attach(s, case, "evidence", ev.id, who)
        console.print(f"evidence {ev.id}: {ev.status}" + (f" ({ev.error})" if ev.error else ""))
        for name, meta in sorted(ev.artefacts.items()):
            console.print(f"  {meta['sha256']}  {name}")
        if ev.status == "failed":
            raise typer.Exit(1)


@evidence_app.command("retry")
def retry(
    evidence_id: str, insecure: bool = False, actor: Actor = "", data_dir: DataDir = None
) -> None:
    """Redo the missing steps of a failed or partial capture (nothing stored is lost)."""
    from narcowatch.cases.capture import retry_capture

    with user_errors():
        rt = open_runtime(data_dir)
        ev = retry_capture(rt, evidence_id, actor or default_actor(), verify=not insecure)
        console.print(f"evidence {ev.id}: {ev.status}" + (f" ({ev.error})" if ev.error else ""))


@evidence_app.command("show")
def show(evidence_id: str, actor: Actor = "", data_dir: DataDir = None) -> None:
    """Print an evidence item, its artefacts and custody log (logged as 'viewed')."""
    from narcowatch.cases.custody import append_custody, custody_entries, verify_custody
    from narcowatch.store.tables import EvidenceRecord

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            ev = s.get(EvidenceRecord, evidence_id)
            if ev is None:
                console.print(f"[red]error[/red] E911: evidence {evidence_id} does not exist")
                raise typer.Exit(2)
            append_custody(s, ev.id, "viewed", actor or default_actor())
            out = {
                "id": ev.id,
                "target": ev.target,
                "status": ev.status,
                "error": ev.error,
                "case_id": ev.case_id,
                "captured_by": ev.captured_by,
                "captured_at": str(ev.captured_at),
                "manifest_sha256": ev.manifest_sha256,
                "artefacts": {k: v["sha256"] for k, v in sorted(ev.artefacts.items())},
                "custody": custody_entries(s, ev.id),
                "custody_problems": verify_custody(s, ev.id),
            }
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


@evidence_app.command("export")
def export(
    evidence_ids: Annotated[list[str], typer.Argument(help="Evidence ids to package.")],
    out: Annotated[Path, typer.Option("--out", help="Zip file or folder.")] = Path("."),
    handed_to: Annotated[
        str | None, typer.Option("--handed-to", help="Recipient (logged as handed over).")
    ] = None,
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Write an evidence package zip with the inspection report and verify instructions."""
    from narcowatch.cases.package import export_package

    with user_errors():
        rt = open_runtime(data_dir)
        path = export_package(rt, evidence_ids, actor or default_actor(), out, handed_to=handed_to)
        typer.echo(str(path))


@evidence_app.command("verify")
def verify(
    package: Annotated[Path, typer.Argument(help="Evidence package zip.")],
    ca_file: Annotated[
        Path | None, typer.Option("--ca-file", help="Trusted TSA CA instead of the packaged one.")
    ] = None,
) -> None:
    """Re-check every hash, the custody chains and the timestamps; exit 1 on any mismatch."""
    from narcowatch.cases.verify import verify_package

    with user_errors():
        rep = verify_package(package, ca_file)
    for line in rep.ok:
        typer.echo(f"OK       {line}")
    for line in rep.problems:
        typer.echo(f"MISMATCH {line}")
    typer.echo("intact" if rep.intact else f"{len(rep.problems)} problem(s) found")
    if not rep.intact:
        raise typer.Exit(1)

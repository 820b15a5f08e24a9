"""`narcowatch trace tag ...`: attribution tags from the command line (add, remove, show)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narcowatch.cli.common import console, open_runtime, user_errors
from narcowatch.errors import TraceError
from narcowatch.trace.addresses import guess_chain

DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]
Actor = Annotated[str, typer.Option("--actor", help="Who does this (for the audit log).")]

tag_app = typer.Typer(
    help="Attribution tags (label, category, source, confidence).", no_args_is_help=True
)


@tag_app.command("add")
def tag_add(
    address: str,
    label: str,
    category: Annotated[str, typer.Option(help="exchange, mixer, bridge, shop, dropper, ...")],
    source: Annotated[str, typer.Option(help="Where the attribution comes from.")],
    confidence: Annotated[int, typer.Option(help="0-100.")] = 60,
    chain: Annotated[str | None, typer.Option()] = None,
    note: Annotated[str, typer.Option()] = "",
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Tag an address."""
    from narcowatch.trace.tags import add_tag

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            rec = add_tag(
                s,
                chain=chain or guess_chain(address),
                address=address,
                label=label,
                category=category,
                source=source,
                confidence=confidence,
                created_by=actor,
                note=note,
            )
            console.print(f"tagged {rec.address}: {rec.label} ({rec.category}, {rec.confidence})")


@tag_app.command("remove")
def tag_remove(
    address: str,
    label: Annotated[str | None, typer.Option()] = None,
    chain: Annotated[str | None, typer.Option()] = None,
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Remove an address's tags (or one label)."""
    from narcowatch.trace.tags import remove_tags

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            n = remove_tags(s, chain or guess_chain(address), address, actor=actor, label=label)
        console.print(f"removed {n} tag(s)")


@tag_app.command("show")
def tag_show(
    addresses: list[str],
    chain: Annotated[str | None, typer.Option()] = None,
    data_dir: DataDir = None,
) -> None:
    """Show the tags of addresses."""
    from narcowatch.trace.addresses import normalize_address
    from narcowatch.trace.tags import tags_for

    with user_errors():
        rt = open_runtime(data_dir)
        chain = chain or guess_chain(addresses[0])
        wanted = [normalize_address(chain, a) for a in addresses]
        with rt.db.session() as s:
            found = tags_for(s, chain, wanted)
        for addr in wanted:
            tags = found.get(addr, [])
            typer.echo(
                f"{addr}: "
                + (
                    "; ".join(f"{t.label} [{t.category}, {t.source}, {t.confidence}]" for t in tags)
                    or "no tags"
                )
            )


@tag_app.command("import")
def tag_import(
    path: Path,
    kind: Annotated[
        str, typer.Option("--kind", help="tagpack (YAML) or sanctions (CSV).")
    ] = "tagpack",
    source: Annotated[str, typer.Option(help="Source name for a sanctions list.")] = "",
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Import a GraphSense TagPack or a sanctions list."""
    from narcowatch.trace.tag_import import import_sanctions, import_tagpack

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            if kind == "tagpack":
                report = import_tagpack(s, path, created_by=actor)
            elif kind == "sanctions":
                report = import_sanctions(s, path, source=source or path.name, created_by=actor)
            else:
                raise TraceError("--kind must be tagpack or sanctions", code="E822")
        console.print(f"{path}: {report.imported} tags imported, {report.skipped} skipped")
        for number, message in report.errors[:20]:
            console.print(f"  #{number}: {message}")

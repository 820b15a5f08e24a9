"""`narcowatch shops`: relink everything, rebuild search, search, export, merge/split/hub."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from narcowatch.cli.common import console, open_runtime, user_errors
from narcowatch.cli.evidence_cmds import Actor, DataDir, default_actor
from narcowatch.errors import StoreError

shops_app = typer.Typer(help="Shops: entity resolution, search and exports.")


def register(app: typer.Typer) -> None:
    app.add_typer(shops_app, name="shops")


@shops_app.command("relink")
def relink_cmd(
    near_dups: Annotated[
        bool, typer.Option("--near-dups/--no-near-dups", help="Link near-identical ads.")
    ] = True,
    data_dir: DataDir = None,
) -> None:
    """Recompute every shop from stored evidence (analysts' decisions are replayed)."""
    from narcowatch.link.relink import relink
    from narcowatch.link.search import reindex

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            rep = relink(s, with_near_dups=near_dups)
        with rt.db.session() as s:
            docs = reindex(s)
        secs = ", ".join(f"{k} {v:.1f}s" for k, v in rep.seconds.items())
        console.print(
            f"{rep.shops} shops from {rep.items} posts and {rep.mentions} mentions; "
            f"{rep.hubs} hubs, {rep.near_dups} near-duplicate ads, {rep.refused} merges "
            f"refused by analysts' splits ({secs}); {docs} search documents"
        )


@shops_app.command("reindex")
def reindex_cmd(data_dir: DataDir = None) -> None:
    """Rebuild the search documents (posts, indicators, shops)."""
    from narcowatch.link.search import reindex

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            console.print(f"{reindex(s)} search documents")


@shops_app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="Words to find (all of them).")],
    kind: Annotated[str | None, typer.Option(help="item, indicator or shop.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    data_dir: DataDir = None,
) -> None:
    """Search posts, indicators and shops."""
    from narcowatch.link.search import search

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            for hit in search(s, query, kind=kind, limit=limit):
                console.print(f"{hit.kind:9} {hit.ref_id}  {hit.title[:90]}", markup=False)


@shops_app.command("export")
def export_cmd(
    shop_id: Annotated[str, typer.Argument()],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    fmt: Annotated[
        str, typer.Option("--format", help="ftm.json, stix.json, csv, xlsx or gexf.")
    ] = "ftm.json",
    data_dir: DataDir = None,
) -> None:
    """Export one shop for Aleph (FtM), OpenCTI/MISP (STIX 2.1), spreadsheets or Gephi."""
    from narcowatch.link.exports import export_shop
    from narcowatch.link.graph import neighbours
    from narcowatch.link.profile import load_profile

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            prof = load_profile(s, shop_id)
            if prof is None:
                raise StoreError(f"shop {shop_id} does not exist", code="E460")
            graph = neighbours(s, f"shop:{prof.shop.id}") if fmt == "gexf" else None
            body = export_shop(prof, fmt, graph)
        out.write_bytes(body)
        console.print(f"{out}: {len(body)} bytes")


@shops_app.command("merge")
def merge_cmd(
    keep: Annotated[str, typer.Argument()],
    other: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option()] = "",
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Merge OTHER into KEEP for good (survives relink; audited)."""
    from narcowatch.link import decisions

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            console.print(decisions.merge(s, actor or default_actor(), keep, other, reason))


@shops_app.command("split")
def split_cmd(
    shop_id: Annotated[str, typer.Argument()],
    members: Annotated[list[str], typer.Argument(help="Item and indicator ids to move.")],
    reason: Annotated[str, typer.Option()] = "",
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Move MEMBERS into a new shop for good (survives relink; audited)."""
    from narcowatch.link import decisions

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            console.print(decisions.split(s, actor or default_actor(), shop_id, members, reason))


@shops_app.command("hub")
def hub_cmd(
    indicator_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option()] = "marked by analyst",
    actor: Actor = "",
    data_dir: DataDir = None,
) -> None:
    """Never link shops through this indicator (a service, an exchange, a police bot)."""
    from narcowatch.link import decisions

    with user_errors():
        rt = open_runtime(data_dir)
        with rt.db.session() as s:
            decisions.mark_hub(s, actor or default_actor(), indicator_id, reason)
        console.print("ok")

"""Shop exports in every format the ecosystem reads: FollowTheMoney (JSON lines), STIX 2.1,
CSV, XLSX (openpyxl) and GEXF for Gephi (networkx)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from narcowatch.link.graph import Graph
from narcowatch.link.profile import Profile

FORMATS = {
    "ftm.json": "application/json",
    "stix.json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gexf": "application/xml",
}
COLUMNS = ("group", "type", "value", "posts", "first_seen", "last_seen")


def _rows(prof: Profile) -> list[list[Any]]:
    rows = []
    for group, entries in prof.groups.items():
        for e in entries:
            rows.append(
                [
                    group,
                    e["type"],
                    e["value"],
                    e["items"],
                    e["first"].isoformat() if e["first"] else "",
                    e["last"].isoformat() if e["last"] else "",
                ]
            )
    return rows


def to_csv(prof: Profile) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in _rows(prof):
        writer.writerow([_safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(value: Any) -> Any:
    """Spreadsheet formula injection: a cell must not start with = + - @."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """openpyxl stores a string starting with "=" as a formula: keep it text."""
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def to_xlsx(prof: Profile) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "indicators"
    ws.append(list(COLUMNS))
    for row in _rows(prof):
        ws.append([_cell(v) for v in row])
    shop = wb.create_sheet("shop")
    for key, value in (
        ("id", prof.shop.id),
        ("name", prof.shop.name),
        ("status", prof.shop.status),
        ("posts", prof.items),
        ("first_seen", prof.shop.first_seen.isoformat() if prof.shop.first_seen else ""),
        ("last_seen", prof.shop.last_seen.isoformat() if prof.shop.last_seen else ""),
    ):
        shop.append([key, _cell(value)])
    channels = wb.create_sheet("channels")
    channels.append(["name", "kind", "posts"])
    for c in prof.channels:
        channels.append([_cell(c["name"]), c["kind"], c["items"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_ftm(prof: Profile) -> bytes:
    from narcowatch.link.ftm import shop_entities

    return "".join(
        json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in shop_entities(prof)
    ).encode("utf-8")


def to_stix(prof: Profile) -> bytes:
    from narcowatch.link.stix import shop_bundle

    return shop_bundle(prof).serialize(pretty=True).encode("utf-8")  # type: ignore[no-any-return]


def to_gexf(graph: Graph) -> bytes:
    import networkx as nx

    g = nx.Graph()
    for key, node in graph.nodes.items():
        g.add_node(
            key,
            label=node["label"],
            kind=node["kind"],
            **{k: str(v) for k, v in node.items() if k in ("type", "group", "status", "seen")},
        )
    for edge in graph.edges.values():
        g.add_edge(edge["source"], edge["target"], label=str(edge.get("label", "")))
    return "\n".join(nx.generate_gexf(g)).encode("utf-8")


def export_shop(prof: Profile, fmt: str, graph: Graph | None = None) -> bytes:
    if fmt == "csv":
        return to_csv(prof)
    if fmt == "xlsx":
        return to_xlsx(prof)
    if fmt == "ftm.json":
        return to_ftm(prof)
    if fmt == "stix.json":
        return to_stix(prof)
    if fmt == "gexf" and graph is not None:
        return to_gexf(graph)
    from narcowatch.errors import StoreError

    raise StoreError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}", code="E469")

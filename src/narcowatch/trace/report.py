"""Trace reports for a case file: HTML (Jinja2) and PDF (reportlab, DejaVu fonts for Cyrillic).

Both are built from a saved run's JSON, so the document shows exactly what was run (plan,
engine, status) and, next to every address, its attribution tags.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from narcowatch.i18n import t
from narcowatch.trace.timestamps import iso

TEMPLATES = Path(__file__).parent / "templates"
MAX_EDGES = 500


def report_context(
    run_id: str, data: dict[str, Any], *, lang: str = "ru", case: dict[str, str] | None = None
) -> dict[str, Any]:
    plan = data["plan"]
    tags = {n["address"]: n.get("tags", []) for n in data.get("nodes", [])}

    def tags_of(address: str) -> str:
        return "; ".join(
            f"{g['label']} ({g['category']}, {g['source']}, {g['confidence']})"
            for g in tags.get(address, [])
        )

    start = iso(plan["start"]) if plan.get("start") is not None else "—"
    end = iso(plan["end"]) if plan.get("end") is not None else "—"
    edges = data.get("edges", [])
    return {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "run_id": run_id,
        "case": case,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "plan": plan,
        "window": f"{start} — {end}",
        "backend": data.get("backend", ""),
        "status": data.get("status", {}),
        "totals": data.get("totals", {}),
        "cashouts": data.get("cashouts", []),
        "paths": data.get("paths", {}),
        "edges": edges[:MAX_EDGES],
        "edges_total": len(edges),
        "edges_cut": len(edges) > MAX_EDGES,
        "tags_of": tags_of,
    }


def render_html(context: dict[str, Any]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(**context)


def write_report(
    path: Path,
    run_id: str,
    data: dict[str, Any],
    *,
    lang: str = "ru",
    case: dict[str, str] | None = None,
) -> Path:
    """Write an HTML or PDF report, chosen by the file's suffix."""
    context = report_context(run_id, data, lang=lang, case=case)
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        from narcowatch.trace.report_pdf import render_pdf

        path.write_bytes(render_pdf(context))
    else:
        path.write_text(render_html(context), encoding="utf-8")
    return path

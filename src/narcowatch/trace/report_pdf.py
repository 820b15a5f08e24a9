"""The PDF form of the trace report, with reportlab and the DejaVu fonts (Cyrillic, Kazakh)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from narcowatch.errors import TraceError

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def _fonts() -> tuple[str, str]:
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return "DejaVuSans", "DejaVuSans-Bold"
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
            return "DejaVuSans", "DejaVuSans-Bold"
    raise TraceError("PDF reports need the DejaVu fonts (Debian: fonts-dejavu-core)", code="E840")


def render_pdf(ctx: dict[str, Any]) -> bytes:
    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontName=regular, fontSize=8, leading=10)
    small = ParagraphStyle("small", parent=body, fontSize=6.5, leading=8)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontName=bold, fontSize=15)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontName=bold, fontSize=11)
    tr = ctx["t"]

    def p(text: object, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)), style)

    def table(rows: list[list[Any]], widths: list[float] | None = None) -> Table:
        cells = [[c if isinstance(c, Paragraph) else p(c, small) for c in row] for row in rows]
        tab = Table(cells, colWidths=widths, repeatRows=1)
        tab.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return tab

    plan, status, totals = ctx["plan"], ctx["status"], ctx["totals"]
    story: list[Any] = [p(tr("trace.report_title"), h1)]
    head = []
    if ctx.get("case"):
        head.append([tr("trace.case"), f"{ctx['case']['id']} — {ctx['case']['title']}"])
    state = (
        tr("trace.complete")
        if status.get("complete")
        else f"{tr('trace.stopped')}: {status.get('stopped')}"
    )
    head += [
        [tr("trace.run"), ctx["run_id"]],
        [tr("trace.generated"), ctx["generated"]],
        [tr("trace.seeds"), "\n".join(f"{s} {ctx['tags_of'](s)}" for s in plan["seeds"])],
        [
            f"{tr('trace.direction')} / {tr('trace.model')} / {tr('trace.hops')}",
            f"{plan['direction']} / {plan['model']} / {plan['max_hops']}",
        ],
        [tr("trace.window"), ctx["window"]],
        [tr("trace.min_amount"), plan["min_amount"]],
        [tr("trace.backend"), ctx["backend"]],
        [tr("trace.status"), state],
        [tr("trace.from_seeds"), totals.get("from_seeds", "")],
        [tr("trace.to_cashouts"), totals.get("to_cashouts", "")],
        [tr("trace.to_open_ends"), totals.get("to_open_ends", "")],
    ]
    story.append(table(head, [70 * mm, 190 * mm]))
    story += [Spacer(1, 4 * mm), p(tr("trace.cashouts"), h2)]
    rows = [
        [
            tr("trace.address"),
            tr("trace.label"),
            tr("trace.category"),
            tr("trace.source"),
            tr("trace.confidence"),
            tr("trace.amount"),
            tr("trace.transfers"),
            tr("trace.first"),
            tr("trace.last"),
        ]
    ]
    rows += [
        [
            c["address"],
            c["label"],
            c["category"],
            c["source"],
            c["confidence"],
            c["amount"],
            c["transfers"],
            c["first_time"],
            c["last_time"],
        ]
        for c in ctx["cashouts"]
    ]
    story.append(table(rows) if len(rows) > 1 else p(tr("trace.none")))
    hop_head = [
        tr("trace.time"),
        tr("trace.from"),
        tr("trace.to"),
        tr("trace.amount"),
        tr("trace.taint"),
        tr("trace.tx"),
    ]
    story += [Spacer(1, 4 * mm), p(tr("trace.paths"), h2)]
    for target, found in ctx["paths"].items():
        story.append(p(f"{target} {ctx['tags_of'](target)}", body))
        for path in found:
            story.append(
                table(
                    [hop_head]
                    + [
                        [
                            h["time"],
                            h["from"],
                            h["to"],
                            f"{h['amount']} {h['asset']}",
                            h["taint"],
                            h["tx_hash"],
                        ]
                        for h in path
                    ]
                )
            )
            story.append(Spacer(1, 2 * mm))
    story += [p(tr("trace.edges"), h2)]
    story.append(
        table(
            [hop_head]
            + [
                [
                    h["time"],
                    h["from"],
                    h["to"],
                    f"{h['amount']} {h['asset']}",
                    h["taint"],
                    h["tx_hash"],
                ]
                for h in ctx["edges"]
            ]
        )
    )
    story += [Spacer(1, 4 * mm), p(tr("trace.methods"), small)]
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=tr("trace.report_title"),
    ).build(story)
    return buf.getvalue()

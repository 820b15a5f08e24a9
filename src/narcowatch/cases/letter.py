"""Blocking request documents: the operator-edited template, XLSX, CSV and a PDF letter.

The template (``data/templates/blocking_letter.yaml`` or the file named by the setting
``blocking_template``) holds the regulator's name, the legal grounds, the categories and
the letter texts in ru/kk/en. Letter texts are Jinja2, rendered in a sandbox because the
operator, not the developer, writes them.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from narcowatch.cases.report_pdf import grid_table, register_fonts
from narcowatch.errors import CaseError
from narcowatch.paths import data_root
from narcowatch.settings import Settings
from narcowatch.store.tables import BlockingRequestRecord

REQUIRED = ("regulator", "sender", "legal_grounds", "categories", "letter")
LANGS = ("ru", "kk", "en")


def template_path(settings: Settings) -> Path:
    if settings.blocking_template:
        return Path(settings.blocking_template)
    return data_root() / "templates" / "blocking_letter.yaml"


def load_template(settings: Settings) -> dict[str, Any]:
    path = template_path(settings)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"cannot read the letter template {path}: {exc}", code="E945") from exc
    missing = [k for k in REQUIRED if not isinstance(data, dict) or k not in data]
    if missing:
        raise CaseError(f"letter template {path} lacks: {', '.join(missing)}", code="E945")
    return data


def request_number(req: BlockingRequestRecord) -> str:
    return req.id[:8].upper()


def rows(req: BlockingRequestRecord, template: dict[str, Any], lang: str) -> list[list[str]]:
    """The table of targets in ``lang``: number, address, category, ground, date, evidence."""
    out = []
    for n, tgt in enumerate(req.targets, 1):
        category = template["categories"].get(tgt["category"], {}).get(lang, tgt["category"])
        ground = (
            template["legal_grounds"].get(tgt["legal_ground"], {}).get(lang, tgt["legal_ground"])
        )
        out.append(
            [
                str(n),
                tgt["target"],
                category,
                ground,
                tgt["detected_at"],
                ", ".join(tgt["evidence"]),
            ]
        )
    return out


def _context(req: BlockingRequestRecord, template: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        "number": request_number(req),
        "date": (req.sent_at or datetime.now(UTC)).date().isoformat(),
        "count": len(req.targets),
        "regulator": template["regulator"][lang],
        "sender": template["sender"][lang],
        "case_id": req.case_id or "",
        "targets": req.targets,
    }


def render_text(source: str, context: dict[str, Any]) -> str:
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    try:
        return env.from_string(source).render(**context)
    except TemplateError as exc:
        raise CaseError(f"the letter template has an error: {exc}", code="E946") from exc


def export_csv(req: BlockingRequestRecord, settings: Settings, lang: str = "ru") -> bytes:
    template = load_template(settings)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(template["letter"][lang]["columns"])
    writer.writerows(rows(req, template, lang))
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read Cyrillic right


def export_xlsx(req: BlockingRequestRecord, settings: Settings, lang: str = "ru") -> bytes:
    template = load_template(settings)
    book = Workbook()
    sheet = book.active
    sheet.title = request_number(req)
    sheet.append(template["letter"][lang]["columns"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(req, template, lang):
        sheet.append(row)
    for col, width in zip("ABCDEF", (6, 45, 30, 60, 14, 40), strict=True):
        sheet.column_dimensions[col].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def export_letter_pdf(req: BlockingRequestRecord, settings: Settings, lang: str = "ru") -> bytes:
    template = load_template(settings)
    texts = template["letter"][lang]
    context = _context(req, template, lang)
    regular, bold = register_fonts()
    p = ParagraphStyle("p", fontName=regular, fontSize=9.5, leading=13)
    h = ParagraphStyle("h", fontName=bold, fontSize=13, leading=17, spaceAfter=6)
    cell = ParagraphStyle("c", fontName=regular, fontSize=8, leading=10)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(safe.replace("\n", "<br/>"), style)

    story: list[Any] = [para(render_text(texts["title"], context), h)]
    story.append(para(render_text(texts["body"], context).strip(), p))
    story.append(Spacer(1, 5 * mm))
    table = [[para(c, cell) for c in texts["columns"]]]
    table += [[para(c, cell) for c in row] for row in rows(req, template, lang)]
    story.append(grid_table(table, [10 * mm, 70 * mm, 40 * mm, 75 * mm, 25 * mm, 45 * mm]))
    story.append(Spacer(1, 8 * mm))
    story.append(para(render_text(texts["signature"], context), p))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
        topMargin=12 * mm, bottomMargin=12 * mm, title=render_text(texts["title"], context),
    )  # fmt: skip
    doc.build(story)
    return buf.getvalue()

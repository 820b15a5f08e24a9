"""QR codes and printable A4 posters for a campaign (segno for the code, reportlab for PDF).

The poster is bilingual (Russian and Kazakh) and uses DejaVu Sans, which has every
Cyrillic and Kazakh letter; the font is looked up in the usual system places.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from narcowatch.errors import NarcowatchError
from narcowatch.i18n import t
from narcowatch.reports.campaigns import check_code

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)


@dataclass
class PosterFiles:
    svg: Path
    png: Path
    pdf: Path
    link: str


def _font(name: str) -> str:
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    for folder in FONT_DIRS:
        path = folder / f"{name}.ttf"
        if path.exists():
            pdfmetrics.registerFont(TTFont(name, str(path)))
            return name
    raise NarcowatchError(f"font {name}.ttf not found (install fonts-dejavu-core)", code="E180")


def write_qr(link: str, svg: Path, png: Path) -> None:
    qr = segno.make(link, error="m", micro=False)
    qr.save(str(svg), scale=10, border=4)
    qr.save(str(png), scale=12, border=4)


def _paragraph(pdf: canvas.Canvas, text: str, font: str, size: float, y: float) -> float:
    width, _ = A4
    for line in simpleSplit(text, font, size, width - 40 * mm):
        pdf.setFont(font, size)
        pdf.drawCentredString(width / 2, y, line)
        y -= size * 1.3
    return y


def write_poster(
    link: str, code: str, pdf_path: Path, langs: tuple[str, ...] = ("ru", "kk")
) -> None:
    """An A4 page: title and body in each language, the QR code, the link in clear text."""
    regular, bold = _font("DejaVuSans"), _font("DejaVuSans-Bold")
    width, height = A4
    png = io.BytesIO()
    segno.make(link, error="m", micro=False).save(png, kind="png", scale=20, border=2)
    png.seek(0)
    pdf = canvas.Canvas(str(pdf_path), pagesize=A4)
    pdf.setTitle(f"narcowatch poster {code}")
    y = height - 30 * mm
    for lang in langs:
        y = _paragraph(pdf, t("bot.poster.title", lang), bold, 26, y) - 2 * mm
        y = _paragraph(pdf, t("bot.poster.body", lang), regular, 14, y) - 6 * mm
    side = 85 * mm
    pdf.drawImage(ImageReader(png), (width - side) / 2, y - side, side, side)
    y -= side + 10 * mm
    y = _paragraph(pdf, " · ".join(t("bot.poster.scan", lang) for lang in langs), regular, 12, y)
    y = _paragraph(pdf, link, bold, 13, y - 2 * mm)
    for lang in langs:
        y = _paragraph(pdf, t("bot.poster.anon", lang), regular, 10, y - 1 * mm)
    pdf.setFont(regular, 8)
    pdf.drawRightString(width - 15 * mm, 12 * mm, code)
    pdf.showPage()
    pdf.save()


def make_poster(link: str, code: str, out_dir: Path) -> PosterFiles:
    """Write ``<code>.svg``, ``<code>.png`` and ``<code>-poster.pdf`` into ``out_dir``."""
    check_code(code)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = PosterFiles(
        svg=out_dir / f"{code}.svg",
        png=out_dir / f"{code}.png",
        pdf=out_dir / f"{code}-poster.pdf",
        link=link,
    )
    write_qr(link, files.svg, files.png)
    write_poster(link, code, files.pdf)
    return files

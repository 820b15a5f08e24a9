"""The inspection report (case-file annex) as a PDF, in Russian and Kazakh (and English).

It says, for each evidence item, what was captured, when, by whom, with which tools, from
which address, and the SHA-256 of every file, followed by the chain of custody, so a
prosecutor can file it and an expert can match every hash. reportlab draws it; DejaVu fonts
cover Cyrillic and the Kazakh letters (ә ғ қ ң ө ұ ү һ і).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
TEXT: dict[str, dict[str, str]] = {
    "ru": {
        "title": "Протокол осмотра интернет-ресурса",
        "subtitle": "Приложение к материалам дела: фиксация электронных доказательств",
        "package": "Пакет доказательств",
        "created": "Сформирован (UTC)",
        "by": "Сформировал",
        "item": "Доказательство",
        "target": "Объект осмотра",
        "case": "Дело",
        "captured_at": "Время фиксации (UTC)",
        "collector": "Учётная запись сотрудника",
        "url": "Адрес",
        "ip": "IP-адрес сервера",
        "status": "Код ответа HTTP",
        "tls": "TLS-сертификат (SHA-256)",
        "tools": "Программные средства",
        "manifest": "SHA-256 манифеста",
        "timestamp": "Метка времени RFC 3161",
        "none": "нет",
        "files": "Файлы и их хеш-суммы SHA-256",
        "name": "Файл",
        "size": "Байт",
        "custody": "Цепочка хранения",
        "action": "Действие",
        "actor": "Кто",
        "when": "Когда (UTC)",
        "screenshot": "Снимок страницы",
        "verify": "Проверка: sha256sum -c SHA256SUMS; openssl ts -verify (см. README.txt).",
    },
    "kk": {
        "title": "Интернет-ресурсты қарау хаттамасы",
        "subtitle": "Іс материалдарына қосымша: электрондық дәлелдемелерді тіркеу",
        "package": "Дәлелдемелер пакеті",
        "created": "Құрылған уақыты (UTC)",
        "by": "Құрастырған",
        "item": "Дәлелдеме",
        "target": "Қарау объектісі",
        "case": "Іс",
        "captured_at": "Тіркеу уақыты (UTC)",
        "collector": "Қызметкердің есептік жазбасы",
        "url": "Мекенжай",
        "ip": "Сервердің IP-мекенжайы",
        "status": "HTTP жауап коды",
        "tls": "TLS сертификаты (SHA-256)",
        "tools": "Бағдарламалық құралдар",
        "manifest": "Манифесттің SHA-256 мәні",
        "timestamp": "RFC 3161 уақыт белгісі",
        "none": "жоқ",
        "files": "Файлдар және олардың SHA-256 хеш мәндері",
        "name": "Файл",
        "size": "Байт",
        "custody": "Сақтау тізбегі",
        "action": "Әрекет",
        "actor": "Кім",
        "when": "Қашан (UTC)",
        "screenshot": "Беттің суреті",
        "verify": "Тексеру: sha256sum -c SHA256SUMS; openssl ts -verify (README.txt қараңыз).",
    },
}


def register_fonts() -> tuple[str, str]:
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSansMono", str(FONT_DIR / "DejaVuSansMono.ttf")))
    return "DejaVuSans", "DejaVuSans-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()
    return {
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=15, leading=19, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=11.5, leading=15, spaceBefore=8),
        "p": ParagraphStyle("p", fontName=regular, fontSize=9, leading=12),
        "mono": ParagraphStyle("mono", fontName="DejaVuSansMono", fontSize=6.8, leading=8.5),
    }


def _esc(value: Any) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def grid_table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _item_story(item: dict[str, Any], tx: dict[str, str], st: dict[str, ParagraphStyle]) -> list:
    man = item["manifest"]
    p, mono = st["p"], st["mono"]
    story: list[Any] = [Paragraph(f"{tx['item']} {_esc(man['evidence_id'])}", st["h2"])]
    facts = [
        (tx["target"], man["target"]),
        (tx["case"], man.get("case_id") or tx["none"]),
        (tx["captured_at"], man["captured_at"]),
        (tx["collector"], man["collector"]),
        (tx["manifest"], item["manifest_sha256"]),
        (tx["timestamp"], item.get("timestamp") or tx["none"]),
        (tx["tools"], ", ".join(f"{k} {v}" for k, v in sorted(man["tools"].items()))),
    ]
    for url in man["urls"]:
        facts.append((tx["url"], url["final_url"]))
        facts.append((tx["ip"], f"{url.get('ip')} / {tx['status']} {url.get('http_status')}"))
        if url.get("tls"):
            facts.append((tx["tls"], url["tls"].get("sha256", "")))
    rows = [[Paragraph(_esc(k), p), Paragraph(_esc(v), p)] for k, v in facts]
    story.append(grid_table(rows, [45 * mm, 125 * mm]))
    story.append(Paragraph(tx["files"], st["h2"]))
    files = [[Paragraph(tx["name"], p), Paragraph(tx["size"], p), Paragraph("SHA-256", p)]]
    for art in man["artefacts"]:
        files.append(
            [Paragraph(_esc(art["name"]), p), str(art["size"]), Paragraph(art["sha256"], mono)]
        )
    story.append(grid_table(files, [55 * mm, 18 * mm, 97 * mm]))
    story.append(Paragraph(tx["custody"], st["h2"]))
    chain = [[Paragraph(tx[k], p) for k in ("when", "action", "actor")] + ["hash"]]
    for entry in item["custody"]:
        chain.append(
            [
                Paragraph(_esc(entry["at"]), p),
                Paragraph(_esc(entry["action"]), p),
                Paragraph(_esc(entry["actor"]), p),
                Paragraph(entry["hash"], mono),
            ]
        )
    story.append(grid_table(chain, [40 * mm, 25 * mm, 28 * mm, 77 * mm]))
    if item.get("screenshot"):
        story.append(Paragraph(tx["screenshot"], st["h2"]))
        img = Image(io.BytesIO(item["screenshot"]))
        scale = min(170 * mm / img.imageWidth, 110 * mm / img.imageHeight, 1.0)
        img.drawWidth, img.drawHeight = img.imageWidth * scale, img.imageHeight * scale
        story.append(img)
    return story


def render_report(
    package: dict[str, Any], items: list[dict[str, Any]], langs=("ru", "kk")
) -> bytes:
    """``items``: dicts with manifest, manifest_sha256, timestamp, custody, screenshot."""
    st = _styles()
    story: list[Any] = []
    for n, lang in enumerate(langs):
        tx = TEXT[lang]
        if n:
            story.append(PageBreak())
        story += [
            Paragraph(tx["title"], st["h1"]),
            Paragraph(tx["subtitle"], st["p"]),
            Spacer(1, 4 * mm),
            Paragraph(f"{tx['package']}: {_esc(package['package_id'])}", st["p"]),
            Paragraph(f"{tx['created']}: {_esc(package['created_at'])}", st["p"]),
            Paragraph(f"{tx['by']}: {_esc(package['created_by'])}", st["p"]),
            Paragraph(tx["verify"], st["p"]),
        ]
        for item in items:
            story += _item_story(item, tx, st)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm, title=TEXT[langs[0]]["title"], author="narcowatch",
    )  # fmt: skip
    doc.build(story)
    return buf.getvalue()

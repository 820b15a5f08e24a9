"""Pictures for the demo: price lists posted as images, and photos of stencilled walls.

Shops post their menu as an image to slip past text filters, and stencil their bot's handle
and a QR code on walls. The demo draws both with Pillow in DejaVu Sans (Debian's
fonts-dejavu-core) and segno, so that imports attach photos and OCR and QR reading have
something real to read. Without the font the demo simply keeps those posts as text.
"""

from __future__ import annotations

import io
import random
from functools import cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
BACKGROUNDS = ((20, 20, 30), (40, 10, 50), (10, 35, 40), (245, 245, 240))


@cache
def font_path() -> Path | None:
    for folder in FONT_DIRS:
        candidate = folder / "DejaVuSans-Bold.ttf"
        if candidate.is_file():
            return candidate
    return None


def printable(line: str) -> str:
    """Drop emoji and invisible characters the font cannot draw."""
    return "".join(ch for ch in line if ch.isprintable() and ord(ch) < 0x2000).strip()


def render_price_card(text: str, rng: random.Random) -> bytes | None:
    """A JPEG of ``text`` (one line per line), or None when no font is installed."""
    path = font_path()
    if path is None:
        return None
    lines = [printable(line) for line in text.splitlines()]
    lines = [line for line in lines if line][:14]
    font = ImageFont.truetype(str(path), 30)
    width = 40 + max(int(font.getlength(line)) for line in lines) if lines else 400
    height = 50 + 44 * len(lines)
    background = rng.choice(BACKGROUNDS)
    ink = (20, 20, 20) if sum(background) > 600 else rng.choice(((255, 255, 255), (255, 220, 90)))
    image = Image.new("RGB", (max(width, 400), height), background)
    draw = ImageDraw.Draw(image)
    for n, line in enumerate(lines):
        draw.text((20, 20 + 44 * n), line, font=font, fill=ink)
    mark = ImageFont.truetype(str(path), 14)
    grey = (128, 128, 128)
    draw.text((image.width - 150, image.height - 20), "SYNTHETIC DEMO", font=mark, fill=grey)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


WALLS = ((150, 70, 55), (170, 165, 150), (120, 125, 130), (200, 190, 170))


def render_graffiti(words: str, handle: str, rng: random.Random) -> bytes | None:
    """A JPEG of a wall with ``words`` and ``@handle`` stencilled and a QR code to the bot."""
    path = font_path()
    if path is None:
        return None
    wall = rng.choice(WALLS)
    image = Image.new("RGB", (760, 420), wall)
    draw = ImageDraw.Draw(image)
    for y in range(0, 420, 30):  # brick courses
        draw.line([(0, y), (760, y)], fill=tuple(max(c - 12, 0) for c in wall), width=1)
    dark_inks = ((15, 15, 15), (20, 40, 120))
    ink = rng.choice(dark_inks) if sum(wall) > 450 else (245, 245, 245)
    font = ImageFont.truetype(str(path), 40)
    draw.text((30, 60), printable(words)[:22], font=font, fill=ink)
    draw.text((30, 130), "@" + handle, font=font, fill=ink)
    qr = io.BytesIO()
    segno.make(f"https://t.me/{handle}", error="m").save(qr, kind="png", scale=5, border=2)
    code = Image.open(io.BytesIO(qr.getvalue())).convert("RGB")
    image.paste(code, (760 - code.width - 30, 420 - code.height - 30))
    mark = ImageFont.truetype(str(path), 14)
    draw.text((30, 395), "SYNTHETIC DEMO", font=mark, fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()

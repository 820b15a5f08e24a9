"""A synthetic OCR evaluation set: wall photos of shop handles, phones and links, with answers.

Drug shops stencil and sticker their handles on walls; citizens photograph them. This module
draws such photos with Pillow and the Debian DejaVu fonts: plaster or brick textures, paint
colours, stencil (light on dark) and sticker styles, rotation, perspective, blur, noise, low
contrast, and sometimes a QR code (``segno``) carrying a ``t.me`` link. Each image comes with
the indicators a perfect reader would extract. Seeded, so the set is the same on every machine.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSerif-Bold.ttf")
_WORDS_RU = ("МЕФ", "СК", "ШИШКИ", "КЛАДЫ", "РАБОТА", "ЗАКЛАДКИ", "24/7", "ДОСТАВКА", "ТОП")
_SYLLABLES = ("kla", "dmen", "shop", "mag", "top", "alm", "ast", "snow", "ice", "kz", "best")


@dataclass
class OcrCase:
    name: str
    lines: list[str]
    expected: list[tuple[str, str]]
    effects: list[str] = field(default_factory=list)


def _handle(rng: random.Random) -> str:
    name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    name += rng.choice(["", "_kz", "_bot", "24", "_almaty", "_shop"])
    return name[:20] if len(name) >= 5 else name + "_kz"


def _phone(rng: random.Random) -> tuple[str, str]:
    op = rng.choice(["701", "702", "705", "707", "747", "771", "775", "777", "778"])
    rest = f"{rng.randint(0, 9999999):07d}"
    e164 = f"+7{op}{rest}"
    style = rng.randint(0, 3)
    if style == 0:
        return f"+7 {op} {rest[:3]} {rest[3:5]} {rest[5:]}", e164
    if style == 1:
        return f"8 {op} {rest[:3]} {rest[3:5]} {rest[5:]}", e164
    if style == 2:
        return f"8({op}){rest[:3]}-{rest[3:5]}-{rest[5:]}", e164
    return f"+7{op}{rest}", e164


def make_case(rng: random.Random, index: int) -> OcrCase:
    """The text lines of one picture and the indicators they hold."""
    lines: list[str] = []
    expected: list[tuple[str, str]] = []
    if rng.random() < 0.6:
        lines.append(rng.choice(_WORDS_RU))
    kinds = rng.sample(["handle", "phone", "link", "site"], k=rng.randint(1, 2))
    for kind in kinds:
        if kind == "handle":
            name = _handle(rng)
            lines.append("@" + name)
            expected.append(("telegram", name.lower()))
        elif kind == "phone":
            written, e164 = _phone(rng)
            lines.append(written)
            expected.append(("phone", e164))
        elif kind == "link":
            name = _handle(rng)
            lines.append(f"t.me/{name}")
            expected += [("telegram", name.lower()), ("url", f"t.me/{name}")]
        else:
            name = _handle(rng).replace("_", "")
            tld = rng.choice(["kz", "com", "net", "ru"])
            lines.append(f"{name}.{tld}")
            expected.append(("domain", f"{name}.{tld}"))
    return OcrCase(f"ocr_{index:03d}", lines, expected)


def _texture(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    base = rng.randint(150, 230)
    img = Image.effect_noise(size, rng.randint(10, 40)).convert("L")
    img = ImageOps.autocontrast(img).point(lambda v: base - 25 + v * 50 // 255)
    if rng.random() < 0.4:
        draw = ImageDraw.Draw(img)
        step = rng.randint(40, 70)
        for y in range(0, size[1], step):
            draw.line([(0, y), (size[0], y)], fill=base - 40, width=2)
            offset = (y // step % 2) * step
            for x in range(offset, size[0], step * 2):
                draw.line([(x, y), (x, y + step)], fill=base - 40, width=2)
    tint = (rng.randint(0, 30), rng.randint(0, 20), rng.randint(0, 20))
    return Image.merge("RGB", [img.point(lambda v, t=t: max(0, v - t)) for t in tint])


def render(case: OcrCase, rng: random.Random) -> bytes:
    """Draw ``case`` as a wall photo (PNG bytes), recording the effects applied."""
    font = ImageFont.truetype(str(FONT_DIR / rng.choice(FONTS)), rng.randint(40, 64))
    width, height = 900, 140 + 90 * len(case.lines)
    img = _texture(rng, (width, height))
    draw = ImageDraw.Draw(img)
    stencil = rng.random() < 0.25
    low_contrast = rng.random() < 0.2
    if stencil:
        draw.rectangle([30, 30, width - 30, height - 30], fill=(30, 30, 35))
        ink = (235, 235, 225)
        case.effects.append("stencil")
    else:
        ink = rng.choice([(20, 20, 20), (150, 20, 20), (20, 40, 140), (10, 90, 30)])
        if low_contrast:
            ink = (110, 110, 110)
            case.effects.append("low-contrast")
    y = 70
    for line in case.lines:
        draw.text((60 + rng.randint(0, 40), y), line, font=font, fill=ink)
        y += 90
    if rng.random() < 0.15 and case.expected:
        url = next((v for t, v in case.expected if t == "url"), None)
        if url:
            buf = io.BytesIO()
            segno.make(f"https://{url}", error="m").save(buf, kind="png", scale=6, border=2)
            qr = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
            img = img.resize((width + qr.width + 40, max(height, qr.height + 40)))
            img.paste(qr, (width + 10, 20))
            case.effects.append("qr")
    img = _distort(img, rng, case.effects)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _distort(img: Image.Image, rng: random.Random, effects: list[str]) -> Image.Image:
    pixel = img.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    wall = tuple(int(v) for v in pixel) if isinstance(pixel, tuple) else (128, 128, 128)
    if rng.random() < 0.5:
        angle = rng.uniform(-12, 12)
        img = img.rotate(angle, expand=True, fillcolor=wall)
        effects.append(f"rotate{angle:.0f}")
    elif rng.random() < 0.15:
        img = img.rotate(rng.choice([90, 180, 270]), expand=True)  # lossless turn
        effects.append("rotate-right-angle")
    if rng.random() < 0.35:
        w, h = img.size
        d = rng.uniform(0.03, 0.1)
        coeffs = _perspective_coeffs(w, h, d, rng)
        img = img.transform((w, h), Image.Transform.PERSPECTIVE, coeffs, fillcolor=wall)
        effects.append("perspective")
    if rng.random() < 0.4:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.6)))
        effects.append("blur")
    if rng.random() < 0.4:
        noise = Image.effect_noise(img.size, rng.randint(20, 50)).convert("RGB")
        img = Image.blend(img, noise, rng.uniform(0.1, 0.25))
        effects.append("noise")
    if rng.random() < 0.3:
        img = img.resize((img.width // 2, img.height // 2))
        effects.append("small")
    return img


def _perspective_coeffs(w: int, h: int, d: float, rng: random.Random) -> list[float]:
    """Coefficients mapping the output plane to a slightly skewed input quadrilateral."""
    import numpy as np

    dx, dy = w * d, h * d
    src = [
        (rng.uniform(0, dx), rng.uniform(0, dy)),
        (w - rng.uniform(0, dx), rng.uniform(0, dy)),
        (w - rng.uniform(0, dx), h - rng.uniform(0, dy)),
        (rng.uniform(0, dx), h - rng.uniform(0, dy)),
    ]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = [c for pair in src for c in pair]
    return list(np.linalg.solve(np.array(rows, dtype=float), np.array(rhs, dtype=float)))


def generate_ocr_set(out_dir: Path, count: int = 100, seed: int = 20261121) -> list[OcrCase]:
    """Write ``count`` images and ``expected.jsonl`` into ``out_dir``; return the cases."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    cases = []
    with (out_dir / "expected.jsonl").open("w", encoding="utf-8") as listing:
        for index in range(count):
            case = make_case(rng, index)
            (out_dir / f"{case.name}.png").write_bytes(render(case, rng))
            listing.write(
                json.dumps(
                    {
                        "image": f"{case.name}.png",
                        "lines": case.lines,
                        "expected": case.expected,
                        "effects": case.effects,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            cases.append(case)
    return cases

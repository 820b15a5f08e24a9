"""Text and QR codes out of photos and screenshots, then indicators out of that text.

Citizens photograph stencils and stickers on walls: tilted, in perspective, blurred, low
contrast, light paint on dark walls. Tesseract (rus+kaz+eng, through pytesseract) reads clean
horizontal text well, so the work here is getting the picture there: grayscale, upscaling,
denoising, autocontrast and equalisation, polarity (dark text on light), deskewing by
projection profile, and trying right-angle rotations when the first read is poor. QR codes
are decoded with zbar (pyzbar). The text keeps Tesseract's mean word confidence.
"""

from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytesseract
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from narcowatch.errors import ExtractError
from narcowatch.extract.base import Indicator

log = logging.getLogger(__name__)

# Tesseract's OpenMP threads contend for cores on small images; one thread is faster here.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANGS = "rus+kaz+eng"
GOOD_CONFIDENCE = 75.0
MAX_PIXELS = 40_000_000
UPSCALE_TO = 1200


@dataclass
class OcrResult:
    text: str
    confidence: float
    qr: list[str] = field(default_factory=list)
    rotation: int = 0


@dataclass
class ImageExtraction:
    """What a picture says: OCR text plus QR payloads, and the indicators in them."""

    text: str
    confidence: float
    qr: list[str]
    indicators: list[Indicator]


def load_image(data: bytes | str | Path | Image.Image) -> Image.Image:
    if isinstance(data, Image.Image):
        return data
    try:
        raw = data if isinstance(data, bytes) else Path(data).read_bytes()
        img = Image.open(io.BytesIO(raw))
        if img.width * img.height > MAX_PIXELS:
            raise ExtractError(f"image too large ({img.width}x{img.height})", code="E311")
        img.load()
    except (OSError, UnidentifiedImageError) as exc:
        raise ExtractError(f"not a readable image: {exc}", code="E310") from exc
    return ImageOps.exif_transpose(img) or img


def _otsu(gray: np.ndarray) -> int:
    hist = np.bincount(gray.ravel(), minlength=256).astype(float)
    total = gray.size
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    between = (cum_mean[-1] * cum / total - cum_mean) ** 2 / (cum * (total - cum) + 1e-9)
    return int(np.argmax(between))


def estimate_skew(gray: Image.Image, limit: float = 16.0, step: float = 1.0) -> float:
    """Angle that makes text lines most horizontal: max variance of the row-ink profile."""
    small = gray.copy()
    small.thumbnail((500, 500))
    arr = np.asarray(small)
    ink = Image.fromarray(((arr <= ink_threshold(arr)) * 255).astype(np.uint8))
    best, best_score = 0.0, -1.0
    angle = -limit
    while angle <= limit + 1e-9:
        rows = np.asarray(ink.rotate(angle, expand=True, fillcolor=0), dtype=float).sum(axis=1)
        score = float(np.var(rows))
        if score > best_score:
            best, best_score = angle, score
        angle += step
    return best


def preprocess(img: Image.Image) -> Image.Image:
    """Grayscale, upscale, denoise, stretch contrast, dark-on-light, deskew."""
    gray = img.convert("L")
    longest = max(gray.size)
    if longest < UPSCALE_TO:
        factor = min(2.5, UPSCALE_TO / longest)
        gray = gray.resize(
            (int(gray.width * factor), int(gray.height * factor)), Image.Resampling.LANCZOS
        )
    gray = gray.filter(ImageFilter.MedianFilter(3))
    gray = ImageOps.autocontrast(gray, cutoff=1)
    centre = np.asarray(_centre(gray))
    if (centre < _otsu(centre)).mean() > 0.5:
        gray = ImageOps.invert(gray)
    angle = estimate_skew(_centre(gray))
    if abs(angle) >= 1.0:
        gray = gray.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    return gray


def _centre(img: Image.Image, margin: float = 0.1) -> Image.Image:
    """The picture without its outer margin, where borders and frames live."""
    w, h = img.size
    return img.crop(
        (int(w * margin), int(h * margin), int(w * (1 - margin)), int(h * (1 - margin)))
    )


def ink_only(gray: Image.Image) -> Image.Image:
    """Keep only the darkest layer (paint), dropping mid-grey mortar lines and shadows.

    A second Otsu split below the first one separates ink from textured or lined
    backgrounds; a median filter removes speckles left by noise.
    """
    arr = np.asarray(gray)
    cut = ink_threshold(arr)
    binary = Image.fromarray(np.where(arr <= cut, 0, 255).astype(np.uint8))
    return binary.filter(ImageFilter.MedianFilter(3))


def ink_threshold(arr: np.ndarray) -> int:
    """Grey level at or below which a pixel is paint (see ``ink_only``)."""
    first = _otsu(arr)
    dark = arr[arr < first]
    second = _otsu(dark) if dark.size > 100 else first
    return second if _separated(dark, second) else first


def _separated(dark: np.ndarray, cut: int) -> bool:
    """Whether the dark pixels form two clear groups (ink and mortar), not one."""
    low, high = dark[dark <= cut], dark[dark > cut]
    if low.size < 50 or high.size < 50:
        return False
    return float(high.mean() - low.mean()) > 45


def recognise(gray: Image.Image, psm: int = 3, lang: str = LANGS) -> tuple[str, float]:
    """Tesseract text (lines kept) and its mean word confidence (0-100)."""
    data = pytesseract.image_to_data(
        gray, lang=lang, config=f"--psm {psm}", output_type=pytesseract.Output.DICT
    )
    lines: dict[tuple[int, int, int], list[str]] = {}
    confs: list[float] = []
    for i, word in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not word.strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(word)
        confs.append(conf)
    text = "\n".join(" ".join(words) for _, words in sorted(lines.items()))
    return text, (sum(confs) / len(confs) if confs else 0.0)


def decode_qr(img: Image.Image) -> list[str]:
    """Payloads of QR codes and barcodes in ``img`` (zbar through pyzbar)."""
    from pyzbar import pyzbar

    found: list[str] = []
    for candidate in (img.convert("L"), ImageOps.autocontrast(img.convert("L"), cutoff=2)):
        for symbol in pyzbar.decode(candidate):
            payload = symbol.data.decode("utf-8", errors="replace")
            if payload not in found:
                found.append(payload)
        if found:
            break
    return found


def ocr_image(data: bytes | str | Path | Image.Image) -> OcrResult:
    """Read ``data``: the ink layer first, the full grey image if that reads poorly, then
    right-angle rotations; finally an English-only pass over the best view, appended as a
    second reading because the mixed-language model turns Latin handles into Cyrillic."""
    img = load_image(data)
    base = preprocess(img)
    qr = decode_qr(img)
    best: OcrResult | None = None
    best_view = base
    for view in (ink_only(base), base):
        text, conf = recognise(view)
        if best is None or _score(text, conf) > _score(best.text, best.confidence):
            best, best_view = OcrResult(text, conf, qr), view
        if best.confidence >= GOOD_CONFIDENCE and len(best.text) >= 4:
            break
    assert best is not None
    if best.confidence < GOOD_CONFIDENCE + 5 or len(best.text) < 4:
        for rotation in _rotations(best_view):
            view = best_view.rotate(rotation, expand=True, fillcolor=255)
            text, conf = recognise(view)
            if _score(text, conf) > _score(best.text, best.confidence) + 3:
                best, best_view = OcrResult(text, conf, qr, rotation), view
    latin, _ = recognise(best_view, lang="eng")
    if latin.strip() and latin.strip() != best.text.strip():
        best.text = f"{best.text}\n{latin}" if best.text else latin
    log.debug("ocr confidence %.1f rotation %d", best.confidence, best.rotation)
    return best


def _rotations(view: Image.Image) -> list[int]:
    """Right-angle turns to try: Tesseract's orientation detection first, all if it cannot."""
    try:
        osd = pytesseract.image_to_osd(view, config="--psm 0 -c min_characters_to_try=10")
    except pytesseract.TesseractError:
        return [90, 270, 180]
    found = re.search(r"Rotate: (\d+)", osd)
    angle = int(found.group(1)) if found else 0
    # OSD's "Rotate" is clockwise; PIL rotates counter-clockwise.
    return [(360 - angle) % 360] if angle else []


def clean_ocr_text(text: str) -> str:
    """Undo Tesseract's usual damage to handles and links.

    Underscores read as ``_ `` or a space before a typical handle suffix, spaces after the
    dot of a domain, and ``©``/``®`` for ``@``.
    """
    text = re.sub(r"(?<=\w)\s?_\s+(?=[a-z0-9])|(?<=[a-z0-9])\s+_(?=[a-z0-9])", "_", text)
    text = re.sub(r"(?<![\w@])[©®](?=[a-z])", "@", text)
    text = re.sub(
        r"((?:@|t\.me/)[a-z0-9_]{3,})\s(bot|kz|shop|almaty|astana|store|official)\b",
        r"\1_\2",
        text,
    )
    return re.sub(r"(?<=[a-z0-9])\.\s(?=(?:kz|ru|com|net|org|me|io|shop|рф|қаз)\b)", ".", text)


def _score(text: str, conf: float) -> float:
    return conf if len(text.strip()) >= 4 else 0.0


def extract_image(data: bytes | str | Path | Image.Image) -> ImageExtraction:
    """OCR and QR text of a picture, and every indicator in it (``meta`` says the source)."""
    from narcowatch.extract.registry import extract_all

    result = ocr_image(data)
    result.text = clean_ocr_text(result.text)
    text = "\n".join([result.text, *result.qr]) if result.qr else result.text
    hits = extract_all(text)
    qr_start = len(result.text) + 1 if result.qr else len(text) + 1
    for hit in hits:
        source = "qr" if hit.start >= qr_start else "ocr"
        hit.meta = {**hit.meta, "source": source}
        if source == "ocr":
            hit.meta["confidence"] = f"{result.confidence:.1f}"
    return ImageExtraction(text, result.confidence, result.qr, hits)

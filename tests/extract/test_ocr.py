"""OCR with real Tesseract and zbar on generated wall photos (a subset; the full 100 in
``narcowatch eval-ocr`` and ``bench/extract_speed.py``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageDraw, ImageFont

from narcowatch.errors import ExtractError
from narcowatch.extract.evaluate import evaluate_ocr
from narcowatch.extract.ocr import clean_ocr_text, decode_qr, estimate_skew, extract_image
from narcowatch.extract.ocrset import FONT_DIR

pytestmark = pytest.mark.slow


def test_subset_of_the_wall_photo_set(tmp_path: Path) -> None:
    report, per_image = evaluate_ocr(12, out_dir=tmp_path)
    found = sum(s.tp for s in report.scores.values())
    total = sum(s.tp + s.fn for s in report.scores.values())
    assert total >= 15
    assert found / total >= 0.85, report.errors
    assert len(list(tmp_path.glob("*.png"))) == 12
    assert per_image < 30


def _photo(text: str, angle: float = 0) -> bytes:
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), 56)
    img = Image.new("RGB", (900, 200), (215, 210, 200))
    ImageDraw.Draw(img).text((40, 60), text, font=font, fill=(25, 25, 25))
    img = img.rotate(angle, expand=True, fillcolor=(215, 210, 200))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_upside_down_photo_keeps_confidence_and_source() -> None:
    result = extract_image(_photo("@kladmen_almaty", angle=180))
    assert ("telegram", "kladmen_almaty") in {(h.type, h.value) for h in result.indicators}
    hit = next(h for h in result.indicators if h.type == "telegram")
    assert hit.meta["source"] == "ocr"
    assert float(hit.meta["confidence"]) > 50
    assert result.confidence > 50


def test_skew_is_measured() -> None:
    img = Image.open(io.BytesIO(_photo("t.me/shop_kz 8 701 123 45 67", angle=9))).convert("L")
    assert abs(estimate_skew(img) + 9) <= 2


def test_qr_code_is_decoded_and_extracted() -> None:
    buf = io.BytesIO()
    segno.make("https://t.me/qr_shop_kz", error="m").save(buf, kind="png", scale=8, border=4)
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    assert decode_qr(img) == ["https://t.me/qr_shop_kz"]
    result = extract_image(img)
    sources = {(h.type, h.value, h.meta["source"]) for h in result.indicators}
    assert ("telegram", "qr_shop_kz", "qr") in sources


def test_ocr_text_repairs() -> None:
    assert clean_ocr_text("@shop_ kz and t.me/best kz") == "@shop_kz and t.me/best_kz"
    assert clean_ocr_text("magazin. kz") == "magazin.kz"


def test_not_an_image() -> None:
    with pytest.raises(ExtractError) as err:
        extract_image(b"not an image at all")
    assert err.value.code == "E310"

"""Photos from reporters: sniff the bytes, refuse what is not an image, strip metadata.

Every photo is decoded by Pillow (a file named ``.jpg`` that Pillow cannot read is refused)
and re-encoded from its pixels alone, so no EXIF, XMP, ICC or comment survives, in
particular no camera serial number or owner name. The GPS position is kept (as the only
EXIF tag) when the reporter agreed to share the location.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from narcowatch.reports.errors import FILE_TOO_LARGE, NOT_AN_IMAGE, ReportError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"})
GPS_IFD = ExifTags.IFD.GPSInfo


@dataclass
class CleanImage:
    data: bytes
    content_type: str
    width: int
    height: int
    gps: tuple[float, float] | None  # (lat, lon) when kept


def _to_degrees(value: Any, ref: str) -> float:
    deg, minutes, seconds = (
        float(Fraction(str(v))) if not isinstance(v, float) else v for v in value
    )
    result = deg + minutes / 60 + seconds / 3600
    return -result if ref in ("S", "W") else result


def read_gps(img: Image.Image) -> tuple[float, float] | None:
    """The (lat, lon) written by the camera, or None."""
    try:
        gps = img.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None
        lat = _to_degrees(gps[2], str(gps.get(1, "N")))
        lon = _to_degrees(gps[4], str(gps.get(3, "E")))
    except (ValueError, TypeError, ZeroDivisionError, KeyError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return round(lat, 6), round(lon, 6)


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = round((value - deg - minutes / 60) * 3600, 4)
    return float(deg), float(minutes), seconds


def gps_exif(lat: float, lon: float) -> Image.Exif:
    """An EXIF block holding the GPS position and nothing else."""
    exif = Image.Exif()
    exif[GPS_IFD] = {
        1: "N" if lat >= 0 else "S",
        2: _dms(lat),
        3: "E" if lon >= 0 else "W",
        4: _dms(lon),
    }
    return exif


def open_image(data: bytes) -> Image.Image:
    """Decode ``data`` or raise a coded error: too large, or not an image at all."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ReportError(
            f"the photo is {len(data)} bytes; at most {MAX_IMAGE_BYTES} are accepted",
            code=FILE_TOO_LARGE,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            if img.format not in ALLOWED_FORMATS:
                raise ReportError(f"{img.format} files are not accepted", code=NOT_AN_IMAGE)
            if img.width * img.height > MAX_PIXELS:
                raise ReportError("the photo has too many pixels", code=FILE_TOO_LARGE)
            img.load()
    except ReportError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ReportError("the file is not an image", code=NOT_AN_IMAGE) from exc
    return img


def clean_image(data: bytes, *, keep_gps: bool = False) -> CleanImage:
    """Re-encode ``data`` from its pixels; keep the GPS position only if ``keep_gps``."""
    img = open_image(data)
    gps = read_gps(img) if keep_gps else None
    img = ImageOps.exif_transpose(img)  # bake the orientation in before dropping the tag
    has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
    img = img.convert("RGBA" if has_alpha else "RGB")
    fresh = Image.frombytes(img.mode, img.size, img.tobytes())  # pixels only, empty .info
    out = io.BytesIO()
    extra: dict[str, Any] = {}
    if gps is not None:
        extra["exif"] = gps_exif(*gps)
    if has_alpha:
        fresh.save(out, "PNG", optimize=False, **extra)
        content_type = "image/png"
    else:
        fresh.save(out, "JPEG", quality=88, **extra)
        content_type = "image/jpeg"
    return CleanImage(out.getvalue(), content_type, fresh.width, fresh.height, gps)


def add_gps(data: bytes, lat: float, lon: float) -> bytes:
    """Write the GPS position (only it) into an already cleaned photo, with consent."""
    img = open_image(data)
    out = io.BytesIO()
    fmt = "PNG" if img.format == "PNG" else "JPEG"
    fresh = Image.frombytes(img.mode, img.size, img.tobytes())
    fresh.save(out, fmt, exif=gps_exif(lat, lon), **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()

"""Photo cleaning (sniffing, EXIF removal, GPS with consent) and link canonical forms."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from narcowatch.reports.errors import ReportError
from narcowatch.reports.images import MAX_IMAGE_BYTES, add_gps, clean_image, gps_exif, read_gps
from narcowatch.reports.links import canonical_url, find_links


def photo(fmt: str = "JPEG", mode: str = "RGB", exif: Image.Exif | None = None) -> bytes:
    buf = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new(mode, (30, 20), "red").save(buf, fmt, **kwargs)
    return buf.getvalue()


def identity_exif() -> Image.Exif:
    exif = gps_exif(-33.5, -70.25)
    exif[0x013B] = "Owner Full Name"
    exif[0x010F] = "PhoneMaker"
    return exif


def test_exif_removed_entirely_without_consent() -> None:
    raw = photo(exif=identity_exif())
    assert b"Owner Full Name" in raw
    clean = clean_image(raw)
    assert clean.gps is None and b"Owner Full Name" not in clean.data
    assert dict(Image.open(io.BytesIO(clean.data)).getexif()) == {}


def test_gps_kept_alone_with_consent() -> None:
    clean = clean_image(photo(exif=identity_exif()), keep_gps=True)
    img = Image.open(io.BytesIO(clean.data))
    assert clean.gps == (-33.5, -70.25) == read_gps(img)
    assert set(img.getexif()) == {0x8825} and b"PhoneMaker" not in clean.data
    again = Image.open(io.BytesIO(add_gps(clean_image(photo()).data, 43.25, 76.95)))
    assert read_gps(again) == (43.25, 76.95)


def test_png_with_alpha_and_text_chunks() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Owner Full Name")
    buf = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buf, "PNG", pnginfo=info)
    clean = clean_image(buf.getvalue())
    assert clean.content_type == "image/png" and b"Owner Full Name" not in clean.data


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4\n" + b"0" * 100, "E173"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 50, "E173"),  # a JPEG header and nothing behind it
        (b"MZ\x90\x00" + b"\0" * 100, "E173"),
        (b"\0" * (MAX_IMAGE_BYTES + 1), "E172"),
    ],
)
def test_non_images_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(ReportError) as err:
        clean_image(data)
    assert err.value.code == code


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("https://WWW.Shop.KZ/a/b/?utm_source=x&id=3#top", "https://shop.kz/a/b?id=3"),
        ("shop.kz", "https://shop.kz"),
        ("@Kladmen_Bot", "https://t.me/kladmen_bot"),
        ("https://t.me/s/SomeChannel/", "https://t.me/somechannel"),
        ("https://t.me/shop_kz/15", "https://t.me/shop_kz/15"),
        ("telegram.me/SomeChannel?start=x", "https://t.me/somechannel"),
        ("ftp://files.example/x", None),
        ("http://localhost/x", None),
        ("", None),
    ],
)
def test_canonical_links(raw: str, canonical: str | None) -> None:
    assert canonical_url(raw) == canonical


def test_find_links_in_free_text() -> None:
    text = "пишите @magaz_kz или t.me/s/magaz_kz, сайт www.dealer.example/menu. почта a@b.kz"
    assert find_links(text) == ["https://t.me/magaz_kz", "https://dealer.example/menu"]

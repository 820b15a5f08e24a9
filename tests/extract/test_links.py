"""Links: schemes, defanging, IDN both ways, onion checksums, boundaries."""

from __future__ import annotations

import pytest

from narcowatch.extract.links import LinkExtractor, validate_onion

ONION_V3 = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"


def hits(text: str) -> list[tuple[str, str, str]]:
    return [(h.type, h.value, h.raw) for h in LinkExtractor().extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Заходи https://Shop.KZ/catalog?id=1.", [("url", "https://shop.kz/catalog?id=1")]),
        ("hxxps://shop[.]kz/a", [("url", "https://shop.kz/a")]),
        ("hXXp://evil(dot)com/x", [("url", "http://evil.com/x")]),
        ("сайт магазин(dot)рф", [("domain", "магазин.рф")]),
        ("сайт xn--80aswg.xn--p1ai", [("domain", "сайт.рф")]),
        ("дүкен.қаз ашық", [("domain", "дүкен.қаз")]),
        ("www.Example.COM/path)", [("url", "www.example.com/path")]),
        ("(see example.org)", [("domain", "example.org")]),
        ("пиши t . me / shop_kz", [("url", "t.me/shop_kz")]),
        ("http://192.168.1.1:8080/a", [("url", "http://192.168.1.1:8080/a")]),
        (f"зеркало {ONION_V3}", [("onion", ONION_V3)]),
        (f"http://{ONION_V3}/shop", [("onion", ONION_V3), ("url", f"http://{ONION_V3}/shop")]),
    ],
)
def test_links_found_and_cleaned(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(t, v) for t, v, _ in hits(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "пишите на user@mail.ru",
        "г.Алматы, ул.Абая 10. Привет",
        "version 1.2.3 e.g. i.e. т.е.",
        "open file.py and readme.md",
        "shop.kz1 not a domain",
        "999.1.1.1 and 10.0.0.1 without scheme",
    ],
)
def test_no_links_in_traps(text: str) -> None:
    assert hits(text) == []


def test_offsets_point_at_the_original_text() -> None:
    text = "see hxxps://shop[.]kz/a), then магазин(dot)рф."
    for hit in LinkExtractor().extract(text):
        assert text[hit.start : hit.end] == hit.raw
    assert [h.raw for h in LinkExtractor().extract(text)] == [
        "hxxps://shop[.]kz/a",
        "магазин(dot)рф",
    ]


def test_onion_checksum() -> None:
    assert validate_onion(ONION_V3)
    broken = ONION_V3.replace("duck", "duco", 1)
    assert not validate_onion(broken)
    assert [h.valid for h in LinkExtractor().extract(broken)] == [False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http[://]example.com/x", "http://example.com/x"),
        ("h__p://example.com/x", "http://example.com/x"),
        ("hxxps[:]//example[.]com/a", "https://example.com/a"),
        ("http(:)//example.com/a", "http://example.com/a"),
        ("fxp://example.com/x", "ftp://example.com/x"),
        ("HTTP://EXAMPLE.COM/Path", "http://example.com/Path"),
        ("http://user:pass@example.com/x", "http://user:pass@example.com/x"),
        ("https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ('<a href="http://example.com/x">', "http://example.com/x"),
    ],
)
def test_defanged_and_odd_urls(text: str, expected: str) -> None:
    assert [v for t, v, _ in hits(text) if t == "url"] == [expected]

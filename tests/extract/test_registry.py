"""``extract_all``: overlaps settled, offsets exact, invalid hits only on request."""

from __future__ import annotations

import json

import pytest

from narcowatch.extract.base import digit_windows, scan
from narcowatch.extract.registry import EXTRACTORS, extract_all, get_extractors
from narcowatch.paths import data_root


def test_every_listed_extractor_loads_with_a_versioned_name() -> None:
    names = [e.name for e in get_extractors()]
    assert len(names) == len(EXTRACTORS)
    assert all(name.endswith(".v1") for name in names)


def test_tme_link_is_url_and_telegram_email_is_only_email() -> None:
    kinds = sorted(h.type for h in extract_all("t.me/shop_kz"))
    assert kinds == ["telegram", "url"]
    assert [h.type for h in extract_all("shop_kz@mail.ru")] == ["email"]


def test_offsets_and_order_on_the_labelled_set() -> None:
    path = data_root() / "extraction" / "labelled.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines()[::7]:
        text = json.loads(line)["text"]
        hits = extract_all(text)
        assert hits == sorted(hits, key=lambda h: (h.start, h.end, h.type))
        for hit in hits:
            assert text[hit.start : hit.end] == hit.raw
            assert hit.valid and hit.extractor


def test_invalid_hits_on_request() -> None:
    text = "BTC 1BoatSLRHtKNngkdXEeobR76b53LETtpyU"
    assert extract_all(text) == []
    [hit] = extract_all(text, include_invalid=True)
    assert (hit.type, hit.valid) == ("crypto:btc", False)


def test_digit_windows_cover_every_digit_and_whole_tokens() -> None:
    text = (
        "начало " + "слово " * 40 + "hxxps://a.kz/x?id=12345 " + "конец " * 40 + "тел 87011234567"
    )
    windows = digit_windows(text)
    for i, ch in enumerate(text):
        if ch.isdigit():
            assert any(s <= i < e for s, e in windows)
    for start, end in windows:
        assert start == 0 or text[start] == " "
        assert end == len(text) or text[end].isspace()
    assert digit_windows("без цифр") == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Currency written before the amount: the price pre-check looks behind the digits.
        ("usdt 40 за грамм", [("price", "40 USDT")]),
        ("цена: $ 50", [("price", "50 USD")]),
        # Hemisphere letters before the first digit: the scan starts a few characters early.
        ("N 43.25671, E 76.94512", [("coordinates", "43.25671,76.94512")]),
        # Letters for digits: the phone pre-check must not count only real digits.
        ("звони 8 7O1 ЗЗ4 56 78", [("phone", "+77013345678")]),
        # A wallet at the very end of the text, then a full stop.
        (
            "адрес 0x52908400098527886E0F7030069857D2E4169EE7.",
            [("crypto:eth", "0x52908400098527886E0F7030069857D2E4169EE7")],
        ),
        ("1,5г и 2 шт", [("quantity", "1.5 g"), ("quantity", "2 pcs")]),
    ],
)
def test_pre_scan_keeps_edge_cases(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(h.type, h.value) for h in extract_all(text)] == expected


def test_pre_scan_windows_carry_their_runs() -> None:
    text = "тел 8 701 123 45 67 и ещё 2024"
    sc = scan(text)
    [(start, end, runs, digits)] = sc.windows
    assert (start, end, digits, runs[0]) == (0, len(text), 15, (4, 5))
    assert sc.select(lambda text, s, e: e - s >= 4) == [sc.windows[0]]
    assert sc.select(lambda text, s, e: e - s >= 5) == []


def test_long_documents_keep_overlap_rules() -> None:
    text = " ".join(["shop_kz@mail.ru", "@shop_kz"] * 300)
    kinds = [h.type for h in extract_all(text)]
    assert kinds == ["email", "telegram"] * 300


def test_link_after_a_long_dotted_token_is_found() -> None:
    text = "x" + ".a" * 2000 + " см. https://shop.kz/a и " + "a . " * 40 + "магазин[.]kz"
    hits = [(h.type, h.value) for h in extract_all(text)]
    assert hits == [("url", "https://shop.kz/a"), ("domain", "a." * 40 + "магазин.kz")]

"""Telegram and WhatsApp forms, and the traps: e-mails, prices."""

from __future__ import annotations

import pytest

from narcowatch.extract.telegram import TelegramExtractor


def values(text: str) -> list[tuple[str, str]]:
    return [(h.type, h.value) for h in TelegramExtractor().extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Пиши @Shop_KZ", [("telegram", "shop_kz")]),
        ("https://t.me/Shop_KZ/123", [("telegram", "shop_kz")]),
        ("telegram.me/shop_kz", [("telegram", "shop_kz")]),
        ("t.me/s/shop_kz", [("telegram", "shop_kz")]),
        ("t.me/+AbCdEf123456_x", [("telegram", "t.me/+AbCdEf123456_x")]),
        ("t.me/joinchat/AAAAAEk1234567890abc", [("telegram", "t.me/+AAAAAEk1234567890abc")]),
        ("t.me/c/1234567890/55", [("telegram", "t.me/c/1234567890")]),
        ("tg://resolve?domain=MyShopBot", [("telegram", "myshopbot")]),
        ("бот magaz_kz_bot 24/7", [("telegram", "magaz_kz_bot")]),
        ("t . me / shop_kz", [("telegram", "shop_kz")]),
        ("t[.]me/shop_kz", [("telegram", "shop_kz")]),
        ("пиши собака kladmen_almaty", [("telegram", "kladmen_almaty")]),
        ("wa.me/77011234567", [("whatsapp", "+77011234567")]),
        ("https://api.whatsapp.com/send?phone=77011234567", [("whatsapp", "+77011234567")]),
        (
            "https://chat.whatsapp.com/AbCdEfGhIjKl12",
            [("whatsapp", "chat.whatsapp.com/AbCdEfGhIjKl12")],
        ),
    ],
)
def test_forms(text: str, expected: list[tuple[str, str]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "email me: user@mail.ru",
        "shop собака gmail.com",
        "цена @ 500, 5@10",
        "@abc too short",
        "t.me/share/url?url=x",
        "robot and Bot words",
    ],
)
def test_traps(text: str) -> None:
    assert values(text) == []


def test_offsets() -> None:
    text = "Канал: https://t.me/Shop_KZ, оператор @Oper_KZ."
    for hit in TelegramExtractor().extract(text):
        assert text[hit.start : hit.end] == hit.raw
    assert [h.raw for h in TelegramExtractor().extract(text)] == [
        "https://t.me/Shop_KZ",
        "@Oper_KZ",
    ]

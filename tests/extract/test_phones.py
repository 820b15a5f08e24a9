"""Phones: E.164 across KZ/RU/KG/UZ/TJ, obfuscation, and the traps."""

from __future__ import annotations

import pytest

from narcowatch.extract.phones import PhoneExtractor


def values(text: str) -> list[str]:
    return [h.value for h in PhoneExtractor().extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Звони +7 701 123 45 67", ["+77011234567"]),
        ("8(701)123-45-67", ["+77011234567"]),
        ("тел.87011234567", ["+77011234567"]),
        ("+7 7O1 ЗЗ4 56 78", ["+77013345678"]),
        ("8 7 0 1 1 2 3 4 5 6 7", ["+77011234567"]),
        ("+7.701.123.45.67", ["+77011234567"]),
        ("RU 8 912 345-67-89", ["+79123456789"]),
        ("KG 0555 123 456", ["+996555123456"]),
        ("UZ +998 90 123 45 67", ["+998901234567"]),
        ("TJ +992 93 123 4567", ["+992931234567"]),
        ("996555123456", ["+996555123456"]),
        ("цена 5000 87011234567", ["+77011234567"]),
        ("87011234567, 87771234567", ["+77011234567", "+77771234567"]),
    ],
)
def test_phones(text: str, expected: list[str]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "дата 12.03.2024 время 12:30",
        "заказ №87011234567",
        "order #87011234567",
        "карта 4400 4301 2345 6789",
        "4400430123456789",
        "hash 5d41402abc4b2a76b9719d911017c592",
        "сумма 87011234567 тг",
        "coords 43.2389498, 76.8897094",
    ],
)
def test_traps(text: str) -> None:
    assert values(text) == []


def test_offsets_cover_the_written_number() -> None:
    text = "Звони: +7 7O1 ЗЗ4 56 78!"
    [hit] = PhoneExtractor().extract(text)
    assert hit.raw == "+7 7O1 ЗЗ4 56 78"
    assert text[hit.start : hit.end] == hit.raw


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("звони восемь семь ноль один один два три четыре пять шесть семь", ["+77011234567"]),
        ("плюс семь 701 один два три 45 67", ["+77011234567"]),
        ("жеті нөл бір 123 45 67", ["+77011234567"]),
        ("eight seven seven seven one two three four five six seven", ["+77771234567"]),
        ("семь раз отмерь, один раз отрежь", []),
    ],
)
def test_numbers_in_words(text: str, expected: list[str]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("тел:87011234567,87021234567", ["+77011234567", "+77021234567"]),
        ("Tel.: +7(701)1234567; +7 (727) 244-55-66", ["+77011234567", "+77272445566"]),
        ("ISBN 978-7-775-92695-0", []),
        ("1.87011234567", []),
    ],
)
def test_lists_and_glued_numbers(text: str, expected: list[str]) -> None:
    assert values(text) == expected

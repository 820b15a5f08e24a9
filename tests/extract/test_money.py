"""Cards, IBANs and IINs: checksums computed, never confused with each other or phones."""

from __future__ import annotations

import random

import pytest

from narcowatch.extract.cards import CardExtractor, card_scheme
from narcowatch.extract.iban import IbanExtractor
from narcowatch.extract.iin import IinExtractor, check_digit, validate_iin
from narcowatch.extract.labelled import values
from narcowatch.extract.registry import extract_all


@pytest.mark.parametrize(
    "scheme", ["visa", "mastercard", "mir", "unionpay", "amex", "uzcard", "humo"]
)
def test_cards_of_every_scheme(scheme: str) -> None:
    rng = random.Random(scheme)
    number = values.card(rng, scheme)
    grouped = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    [hit] = CardExtractor().extract(f"Карта: {grouped}.")
    assert (hit.value, hit.valid, hit.meta["scheme"]) == (number, True, scheme)
    assert hit.raw == grouped


def test_corrupted_card_is_invalid_and_filtered() -> None:
    rng = random.Random(3)
    bad = values.corrupt(rng, "card", values.card(rng, "visa"))
    assert [h.valid for h in CardExtractor().extract(bad)] == [False]
    assert [h for h in extract_all(f"card {bad}") if h.type == "card"] == []


def test_unknown_prefix_is_not_a_card() -> None:
    assert card_scheme("1234567812345670") is None


def test_card_is_not_a_phone() -> None:
    rng = random.Random(5)
    number = values.card(rng, "mir")
    kinds = {
        h.type
        for h in extract_all(f"перевод на {number[:4]}-{number[4:8]}-{number[8:12]}-{number[12:]}")
    }
    assert kinds == {"card"}


@pytest.mark.parametrize("grouped", [True, False])
def test_kz_iban(grouped: bool) -> None:
    value = values.kz_iban(random.Random(7))
    written = " ".join(value[i : i + 4] for i in range(0, 20, 4)) if grouped else value
    [hit] = IbanExtractor().extract(f"IBAN {written} (Kaspi)")
    assert (hit.value, hit.valid, hit.raw) == (value, True, written)


def test_iban_lowercase_and_trailing_word() -> None:
    value = values.kz_iban(random.Random(8))
    [hit] = IbanExtractor().extract(f"счёт {value.lower()} банк")
    assert hit.value == value


def test_broken_iban_reported_invalid() -> None:
    rng = random.Random(9)
    bad = values.corrupt(rng, "iban", values.kz_iban(rng))
    assert [h.valid for h in IbanExtractor().extract(bad)] == [False]
    assert [h for h in extract_all(bad) if h.type == "iban"] == []


def test_iin_check_digit_and_shape() -> None:
    rng = random.Random(11)
    good = values.iin(rng)
    assert validate_iin(good)
    assert check_digit(good) == int(good[-1])
    bad = values.corrupt(rng, "iin", good)
    assert not validate_iin(bad)
    [hit] = IinExtractor().extract(f"ИИН {good}")
    assert (hit.value, hit.valid, hit.meta["kind"]) == (good, True, "iin")
    assert not validate_iin("991399300125")  # month 13: not a date


def test_iin_is_not_a_phone() -> None:
    good = values.iin(random.Random(12))
    assert {h.type for h in extract_all(f"ИИН {good}")} == {"iin"}

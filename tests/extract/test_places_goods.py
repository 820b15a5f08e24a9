"""E-mails, coordinates and map links, prices, quantities and substances."""

from __future__ import annotations

import pytest

from narcowatch.extract.registry import extract_all


def found(text: str, type_: str) -> list[str]:
    return [h.value for h in extract_all(text) if h.type == type_]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("пишите user@mail.ru", ["user@mail.ru"]),
        ("Shop.Manager@Gmail.com", ["shop.manager@gmail.com"]),
        ("shop (at) gmail [.] com", ["shop@gmail.com"]),
        ("shop собака yandex.kz", ["shop@yandex.kz"]),
        ("user@localhost", []),
    ],
)
def test_emails(text: str, expected: list[str]) -> None:
    assert found(text, "email") == expected
    assert found(text, "telegram") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("клад 43.238949, 76.889709", "43.23895,76.88971"),
        ("43.238949 76.889709", "43.23895,76.88971"),
        ("43,238949 76,889709", "43.23895,76.88971"),
        ("координаты 43.2389, 76.8897", "43.23890,76.88970"),
        ("43°14'20.2\"N 76°53'22.9\"E", "43.23894,76.88969"),
        ("https://www.google.com/maps/@43.238949,76.889709,15z", "43.23895,76.88971"),
        ("https://yandex.kz/maps/?ll=76.889709%2C43.238949&z=15", "43.23895,76.88971"),
        ("https://2gis.kz/almaty/geo/70000001/76.889709,43.238949", "43.23895,76.88971"),
        ("https://www.openstreetmap.org/#map=17/43.23895/76.88971", "43.23895,76.88971"),
        ("https://www.openstreetmap.org/?mlat=43.23895&mlon=76.88971", "43.23895,76.88971"),
    ],
)
def test_coordinates(text: str, expected: str) -> None:
    assert found(text, "coordinates") == [expected]


@pytest.mark.parametrize(
    "text", ["цена 1.5000, 2.3000", "версия 1.2.3", "курс 470.12345, 512.54321", "12.03.2024"]
)
def test_not_coordinates(text: str) -> None:
    assert found(text, "coordinates") == []


def test_map_link_is_also_a_url() -> None:
    text = "https://www.google.com/maps/@43.238949,76.889709,15z"
    assert found(text, "url") == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1г - 7000тг", ["7000 KZT"]),
        ("2г 13 000 ₸", ["13000 KZT"]),
        ("0.5 гр 4к тг", ["4000 KZT"]),
        ("40 USDT или $50", ["40 USDT", "50 USD"]),
        ("1500 руб, 7.000 тенге", ["1500 RUB", "7000 KZT"]),
        ("0.005 BTC", ["0.005 BTC"]),
        ("500 сом и 100 000 сум", ["500 KGS", "100000 UZS"]),
        ("цена 7000, сумма заказа", []),
    ],
)
def test_prices(text: str, expected: list[str]) -> None:
    assert found(text, "price") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("меф 1г", ["1 g"]),
        ("0,5 гр", ["0.5 g"]),
        ("2 грамма", ["2 g"]),
        ("3g for $50", ["3 g"]),
        ("10 шт", ["10 pcs"]),
        ("в 2024 г. в г. Алматы", []),
        ("5 г. Астана", []),
        ("5G интернет", []),
    ],
)
def test_quantities(text: str, expected: list[str]) -> None:
    assert found(text, "quantity") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Мефедрон в наличии", ["mephedrone"]),
        ("к0кс и мeф", ["cocaine", "mephedrone"]),
        ("курительные смеси", ["synthetic-cannabinoids"]),
        ("weed and molly", ["cannabis", "mdma"]),
        ("соль 1г - 8000тг", ["alpha-pvp"]),
        ("соль для ванн", []),
        ("Хэш файла 9e107d9d372bb6826bd81d3542a419d6", []),
    ],
)
def test_substances(text: str, expected: list[str]) -> None:
    assert found(text, "substance") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("test[@]example.com", ["test@example.com"]),
        ("test(@)example.com", ["test@example.com"]),
        ("test AT example DOT com", ["test@example.com"]),
        ("mailto:someone@example.com", ["someone@example.com"]),
        ("email:me@shop.kz", ["me@shop.kz"]),
        ("http://user:pass@example.com/x", []),
    ],
)
def test_obfuscated_emails(text: str, expected: list[str]) -> None:
    assert found(text, "email") == expected


@pytest.mark.parametrize(
    "text",
    [
        "lat: 43.2389, lon: 76.8897",
        "широта 43,2389; долгота 76,8897",
        "Latitude=43.2389 Longitude=76.8897",
        "https://osm.org/#map=17/43.2389/76.8897",
    ],
)
def test_labelled_coordinates(text: str) -> None:
    assert found(text, "coordinates") == ["43.23890,76.88970"]

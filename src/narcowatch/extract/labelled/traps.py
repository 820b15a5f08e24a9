"""Generated negatives: strings shaped like indicators that are not (or not of that type).

Dates, times, order and tracking numbers, hashes, numbers failing Luhn or the IIN check,
versions, file names, abbreviations, prices without currency, years, decimal figures.
"""

from __future__ import annotations

import hashlib
import random

from stdnum import luhn

from narcowatch.extract.iin import check_digit


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))


def _non_luhn(rng: random.Random, n: int) -> str:
    while True:
        number = _digits(rng, n)
        if not luhn.is_valid(number):
            return number


def _bad_iin(rng: random.Random) -> str:
    while True:
        yy, mm, dd = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
        body = f"{yy:02d}{mm:02d}{dd:02d}{rng.randint(3, 6)}"
        body += f"{rng.randint(0, 9999):04d}"
        digit = check_digit(body)
        wrong = (digit + 1 + rng.randint(0, 7)) % 10 if digit is not None else rng.randint(0, 9)
        if digit is None or wrong != digit:
            return body + str(wrong)


def _make(rng: random.Random, kind: int) -> str:
    d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2026)
    h, mi = rng.randint(0, 23), rng.randint(0, 59)
    seed = str(rng.random()).encode()
    makers = [
        lambda: f"Встреча {d:02d}.{m:02d}.{y} в {h:02d}:{mi:02d}",
        lambda: f"Дата: {y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}:{rng.randint(0, 59):02d}",
        lambda: f"Заказ №{_digits(rng, 11)} оформлен",
        lambda: f"Order #{_digits(rng, 10)} shipped, tracking RR{_digits(rng, 9)}KZ",
        lambda: f"md5 {hashlib.md5(seed).hexdigest()}",
        lambda: f"sha256: {hashlib.sha256(seed).hexdigest()}",
        lambda: f"commit {hashlib.sha1(seed).hexdigest()[:12]} fixed the bug",
        lambda: f"Номер договора {_non_luhn(rng, 16)}",
        lambda: f"Код операции {_non_luhn(rng, 16)}",
        lambda: f"Номер {_bad_iin(rng)} не найден",
        lambda: f"Версия {rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)} вышла",
        lambda: f"Откройте файл report_{d}.pdf или readme.md",
        lambda: "Скрипт run.py и архив data.zip в папке",
        lambda: f"г.Алматы, ул.Абая {rng.randint(1, 200)}, т.е. центр, и т.д.",
        lambda: f"В {y} г. в г. Астана прошёл форум",
        lambda: f"Стоимость {rng.randint(1, 90) * 1000} без учёта доставки",
        lambda: f"Курс {rng.randint(400, 520)}.{rng.randint(10, 99)} за доллар",
        lambda: f"Счёт 408178100{_digits(rng, 11)} закрыт",
        lambda: (
            f"Температура {rng.randint(-30, 40)}.{rng.randint(0, 9)} градусов, "
            f"давление {rng.randint(700, 780)}"
        ),
        lambda: (
            f"Итоги: {rng.randint(10, 99)}.{rng.randint(1000, 9999)} "
            f"и {rng.randint(10, 99)}.{rng.randint(1000, 9999)}"
        ),
        lambda: f"Напиши мне в личку, цена @ {rng.randint(5, 99)}00",
        lambda: f"Score {rng.randint(1, 9)}@{rng.randint(1, 9)}, team meeting @ {h}:{mi:02d}",
        lambda: (
            f"Полиция задержала {rng.randint(2, 9)} человек, изъято {rng.randint(2, 50)} свёртков"
        ),
        lambda: f"ИНН {_digits(rng, 10)} и КПП {_digits(rng, 9)}",
        lambda: "Телефон доверия 102 и 112, короткий номер 1414",
        lambda: f"Серийный номер SN{_digits(rng, 12)}",
        lambda: f"Идентификатор транзакции {hashlib.sha256(seed).hexdigest()[:40]}",
        lambda: (
            f"ISBN 978-{rng.randint(0, 9)}-{_digits(rng, 3)}-{_digits(rng, 5)}-{rng.randint(0, 9)}"
        ),
        lambda: f"Трек-номер {_digits(rng, 14)}",
        lambda: f"Артикул {_digits(rng, 8)}, штрихкод {_digits(rng, 13)}",
        lambda: (
            f"IP-адрес сервера 10.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
            f"{rng.randint(1, 254)} в логах"
        ),
        lambda: "Mr.Smith arrived at 5 p.m. e.g. on Monday",
        lambda: f"Скорость интернета 5G и 4G, {rng.randint(10, 900)} Мбит/с",
    ]
    return makers[kind % len(makers)]()


def generated(rng: random.Random, count: int = 340) -> list[dict]:
    rows = []
    for i in range(count):
        rows.append({"group": "trap", "lang": "ru", "text": _make(rng, i), "expected": []})
    return rows

"""Build the labelled extraction set: templated posts in ru/kk/en with known indicators,
generated traps, and the hand-written traps in ``data/extraction/handwritten.jsonl``.

Run ``python -m narcowatch.extract.labelled.generate`` to rewrite
``data/extraction/labelled.jsonl``; the seed makes the file identical on every machine.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from narcowatch.extract.labelled import traps, writers
from narcowatch.extract.labelled import writers_money as money
from narcowatch.paths import data_root

SEED = 20261121
Writer = Callable[[random.Random], tuple[str, list[tuple[str, str]]]]

CONTEXT = {
    "phone": {
        "ru": [
            "Звоните: {x}",
            "По всем вопросам {x}, пишите в любое время",
            "Оператор {x} (круглосуточно)",
            "Работа для курьеров, тел {x}",
            "Связь: {x}.",
        ],
        "kk": ["Хабарласыңыз: {x}", "Телефон {x} арқылы жазыңыз", "Байланыс {x}, тәулік бойы"],
        "en": ["Call {x} any time", "Contact: {x}.", "WhatsApp or call {x}"],
    },
    "telegram": {
        "ru": [
            "Наш канал {x}",
            "Пиши оператору {x} и получишь скидку",
            "Новый бот: {x}!",
            "Резерв — {x}",
            "Все вопросы сюда {x}",
        ],
        "kk": ["Біздің арна {x}", "Операторға жазыңыз {x}", "Жаңа бот: {x}"],
        "en": ["Join {x} for updates", "DM {x}", "Our bot: {x}."],
    },
    "link": {
        "ru": ["Зеркало сайта {x}", "Переходи {x} пока не заблокировали", "Сайт: {x}"],
        "kk": ["Сайт мекенжайы {x}", "Айна сайт {x}"],
        "en": ["Mirror: {x}", "Visit {x} now"],
    },
    "email": {
        "ru": ["Почта для связи {x}", "Пишите на {x}"],
        "kk": ["Пошта: {x}"],
        "en": ["Email us at {x}", "Mail: {x}"],
    },
    "card": {
        "ru": ["Оплата на карту {x}", "Перевод {x} (Каспи)", "Карта: {x}"],
        "kk": ["Картаға аударыңыз {x}", "Төлем картасы {x}"],
        "en": ["Pay to card {x}", "Card number {x}"],
    },
    "iban": {
        "ru": ["Реквизиты: IBAN {x}", "Счёт {x} для переводов"],
        "kk": ["Шот нөмірі {x}"],
        "en": ["Wire to {x}"],
    },
    "iin": {"ru": ["ИИН {x}", "ИИН получателя: {x}"], "kk": ["ЖСН {x}"], "en": ["IIN {x}"]},
    "crypto": {
        "ru": ["Оплата {x}", "Кошелек: {x}", "Переводите на {x} и присылайте скрин"],
        "kk": ["Әмиян: {x}", "Төлем {x}"],
        "en": ["Send to {x}", "Wallet {x}"],
    },
    "coordinates": {
        "ru": ["Координаты клада: {x}", "Точка {x}", "Локация — {x}"],
        "kk": ["Орны: {x}"],
        "en": ["Location: {x}", "Drop at {x}"],
    },
    "price": {"ru": ["Цена {x}", "Всего {x}"], "kk": ["Бағасы {x}"], "en": ["Price {x}"]},
    "quantity": {"ru": ["Вес {x}", "Фасовка {x}"], "kk": ["Салмағы {x}"], "en": ["Weight {x}"]},
    "substance": {"ru": ["В наличии {x}", "Есть {x}"], "kk": ["Бар: {x}"], "en": ["We have {x}"]},
}
_CRYPTO_LABEL = {
    "crypto:btc": "BTC",
    "crypto:eth": "ETH",
    "crypto:trx": "USDT TRC20",
    "crypto:ton": "TON",
    "crypto:ltc": "LTC",
    "crypto:xmr": "XMR",
}


def _row(rng: random.Random, group: str, context: str, writer: Writer, **tags: object) -> dict:
    written, expected = writer(rng)
    lang = rng.choice(list(CONTEXT[context]))
    template = rng.choice(CONTEXT[context][lang])
    return {
        "group": group,
        "lang": lang,
        "text": template.format(x=written),
        "expected": [{"type": t, "value": v} for t, v in expected],
        **tags,
    }


def positives(rng: random.Random) -> list[dict]:
    rows: list[dict] = []
    plan: list[tuple[str, str, Writer, int]] = [
        ("phone", "phone", lambda r: writers.phone(r, "KZ"), 90),
        ("phone", "phone", lambda r: writers.phone(r, "KZ", obfuscate=True), 45),
        ("phone", "phone", lambda r: writers.phone(r, "RU"), 40),
        ("phone", "phone", lambda r: writers.phone(r, "KG"), 30),
        ("phone", "phone", lambda r: writers.phone(r, "UZ"), 30),
        ("phone", "phone", lambda r: writers.phone(r, "TJ"), 15),
        ("telegram", "telegram", writers.telegram, 170),
        ("whatsapp", "phone", writers.whatsapp, 30),
        ("link", "link", writers.link, 150),
        ("email", "email", writers.email, 50),
        ("card", "card", money.card, 60),
        ("card", "card", lambda r: money.card(r, corrupt=True), 15),
        ("iban", "iban", money.iban, 55),
        ("iban", "iban", lambda r: money.iban(r, corrupt=True), 15),
        ("iin", "iin", money.iin, 45),
        ("iin", "iin", lambda r: money.iin(r, corrupt=True), 15),
        ("coordinates", "coordinates", money.coordinates, 70),
        ("price", "price", money.price, 60),
        ("quantity", "quantity", money.quantity, 50),
        ("substance", "substance", money.substance, 50),
    ]
    for group, context, writer, count in plan:
        rows += [_row(rng, group, context, writer) for _ in range(count)]
    for type_, valid, corrupted in [
        ("crypto:btc", 45, 15),
        ("crypto:eth", 40, 15),
        ("crypto:trx", 45, 15),
        ("crypto:ton", 45, 15),
        ("crypto:ltc", 15, 5),
        ("crypto:xmr", 12, 4),
    ]:
        for k in range(valid + corrupted):
            bad = k >= valid
            rows.append(_row(rng, type_, "crypto", partial(_labelled_wallet, type_=type_, bad=bad)))
    rows += [mixed(rng) for _ in range(120)]
    return rows


def _labelled_wallet(
    rng: random.Random, type_: str, bad: bool
) -> tuple[str, list[tuple[str, str]]]:
    written, expected = money.wallet(rng, type_, corrupt=bad)
    return f"{_CRYPTO_LABEL[type_]} {written}", expected


def mixed(rng: random.Random) -> dict:
    """A whole shop post: goods, weight, price, contacts and payment together."""
    parts: list[tuple[str, list[tuple[str, str]]]] = [
        money.substance(rng),
        money.quantity(rng),
        money.price(rng),
        writers.telegram(rng),
    ]
    lang = rng.choice(["ru", "kk", "en"])
    extras: list[tuple[str, tuple[str, list[tuple[str, str]]]]] = []
    if rng.random() < 0.5:
        extras.append(("phone", writers.phone(rng, "KZ", obfuscate=rng.random() < 0.3)))
    if rng.random() < 0.5:
        extras.append(("card", money.card(rng)))
    if rng.random() < 0.4:
        extras.append(("wallet", money.wallet(rng, "crypto:trx")))
    glue = {
        "ru": ["{0} {1} — {2}. Пиши {3}", "{0} {1} за {2}, бот {3}"],
        "kk": ["{0} {1} — {2}. Жазыңыз {3}"],
        "en": ["{0} {1} for {2}. DM {3}"],
    }[lang]
    text = rng.choice(glue).format(*(p[0] for p in parts[:4]))
    labels = {
        "ru": {"phone": "Тел", "card": "Карта"},
        "kk": {"phone": "Тел", "card": "Карта"},
        "en": {"phone": "Phone", "card": "Card"},
    }[lang]
    for kind, part in extras:
        text += f". {labels.get(kind, 'USDT TRC20')}: {part[0]}"
        parts.append(part)
    expected = [{"type": t, "value": v} for part in parts for t, v in part[1]]
    return {"group": "mixed", "lang": lang, "text": text, "expected": expected}


def handwritten() -> list[dict]:
    path = data_root() / "extraction" / "handwritten.jsonl"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            row.setdefault("group", "handwritten")
            rows.append(row)
    return rows


def build(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    rows = positives(rng) + traps.generated(rng) + handwritten()
    for i, row in enumerate(rows):
        row["id"] = f"x{i:05d}"
    return rows


def main(out: Path | None = None) -> Path:
    out = out or data_root() / "extraction" / "labelled.jsonl"
    rows = build()
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({"id": row.pop("id"), **row}, ensure_ascii=False) + "\n")
    return out


if __name__ == "__main__":
    sys.stdout.write(f"{main()}\n")

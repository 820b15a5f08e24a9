"""Writers for payment details, places and goods: cards, IBANs, IINs, wallets, coordinates,
prices, quantities and substances. Corrupted values expect nothing."""

from __future__ import annotations

import random
from functools import cache

from narcowatch.extract.labelled import values
from narcowatch.extract.labelled.writers import Expect


def card(rng: random.Random, corrupt: bool = False) -> tuple[str, Expect]:
    scheme = rng.choice(
        ["visa", "visa", "mastercard", "mir", "mir", "unionpay", "amex", "uzcard", "humo"]
    )
    number = values.card(rng, scheme)
    if corrupt:
        number = values.corrupt(rng, "card", number)
    if len(number) == 15:
        written = rng.choice([number, f"{number[:4]} {number[4:10]} {number[10:]}"])
    else:
        sep = rng.choice([" ", "", "-", " "])
        written = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    return written, [] if corrupt else [("card", number)]


def iban(rng: random.Random, corrupt: bool = False) -> tuple[str, Expect]:
    value = values.kz_iban(rng) if rng.random() < 0.8 else values.other_iban(rng)
    if corrupt:
        value = values.corrupt(rng, "iban", value)
    if rng.random() < 0.5:
        written = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    else:
        written = value
    return written, [] if corrupt else [("iban", value)]


def iin(rng: random.Random, corrupt: bool = False) -> tuple[str, Expect]:
    value = values.iin(rng)
    if corrupt:
        value = values.corrupt(rng, "iin", value)
    return value, [] if corrupt else [("iin", value)]


def wallet(rng: random.Random, type_: str, corrupt: bool = False) -> tuple[str, Expect]:
    maker = {
        "crypto:btc": values.btc,
        "crypto:ltc": values.ltc,
        "crypto:trx": values.trx,
        "crypto:xmr": values.xmr,
        "crypto:eth": lambda r: values.eth(r, checksummed=corrupt or r.random() < 0.6),
        "crypto:ton": lambda r: values.ton(r, raw_form=not corrupt and r.random() < 0.1),
    }[type_]
    value = maker(rng)
    if corrupt:
        value = values.corrupt(rng, type_, value)
    return value, [] if corrupt else [(type_, value)]


def coordinates(rng: random.Random) -> tuple[str, Expect]:
    lat, lon = rng.uniform(40.6, 55.4), rng.uniform(46.5, 87.3)
    expect = f"{lat:.5f},{lon:.5f}"
    form = rng.randint(0, 6)
    la, lo = f"{lat:.6f}", f"{lon:.6f}"
    expect = f"{float(la):.5f},{float(lo):.5f}"
    if form == 0:
        return f"{la}, {lo}", [("coordinates", expect)]
    if form == 1:
        return f"{la} {lo}", [("coordinates", expect)]
    if form == 2:
        d1, m1, s1 = _dms(lat)
        d2, m2, s2 = _dms(lon)
        written = f"{d1}°{m1}'{s1:.1f}\"N {d2}°{m2}'{s2:.1f}\"E"
        exp_lat = d1 + m1 / 60 + round(s1, 1) / 3600
        exp_lon = d2 + m2 / 60 + round(s2, 1) / 3600
        return written, [("coordinates", f"{exp_lat:.5f},{exp_lon:.5f}")]
    if form == 3:
        link = f"https://www.google.com/maps/@{la},{lo},17z"
    elif form == 4:
        link = f"https://yandex.kz/maps/?ll={lo}%2C{la}&z=16"
    elif form == 5:
        link = f"https://2gis.kz/almaty/geo/{lo}%2C{la}"
    else:
        link = f"https://www.openstreetmap.org/#map=17/{la}/{lo}"
    return link, [("coordinates", expect), ("url", link)]


def _dms(value: float) -> tuple[int, int, float]:
    deg = int(value)
    minutes = int((value - deg) * 60)
    sec = (value - deg - minutes / 60) * 3600
    if round(sec, 1) >= 60:
        sec = 59.9
    return deg, minutes, sec


def price(rng: random.Random) -> tuple[str, Expect]:
    amount = rng.choice([3000, 5000, 7000, 8500, 12000, 15000, 25000, 40, 55, 120, 1500, 900])
    form = rng.randint(0, 8)
    big = f"{amount:,}".replace(",", " ")
    if form == 0:
        return f"{amount}тг", [("price", f"{amount} KZT")]
    if form == 1:
        return f"{big} ₸", [("price", f"{amount} KZT")]
    if form == 2:
        return f"{big} тенге", [("price", f"{amount} KZT")]
    if form == 3:
        return f"{amount} USDT", [("price", f"{amount} USDT")]
    if form == 4:
        return f"${amount}", [("price", f"{amount} USD")]
    if form == 5:
        return f"{amount} руб", [("price", f"{amount} RUB")]
    if form == 6 and amount >= 1000 and amount % 1000 == 0:
        return f"{amount // 1000}к тг", [("price", f"{amount} KZT")]
    if form == 7:
        return f"{amount} сом", [("price", f"{amount} KGS")]
    return f"{amount} теңге", [("price", f"{amount} KZT")]


def quantity(rng: random.Random) -> tuple[str, Expect]:
    amount = rng.choice(["0.5", "1", "2", "3", "5", "10", "0.3", "1.5"])
    unit, code = rng.choice(
        [
            ("г", "g"),
            ("гр", "g"),
            (" г", "g"),
            (" гр", "g"),
            ("g", "g"),
            (" шт", "pcs"),
            (" грамм", "g"),
        ]
    )
    written = amount.replace(".", rng.choice([".", ","])) + unit
    return written, [("quantity", f"{amount} {code}")]


@cache
def _substance_terms() -> tuple[tuple[str, str], ...]:
    from narcowatch.classify.lexicon_data import load_lexicon

    canon: dict[str, set[str]] = {}
    for entry in load_lexicon():
        if entry.category != "substance" or entry.ambiguous:
            continue
        for variant in (entry.term, *entry.variants):
            if "*" not in variant and len(variant) >= 3 and " " not in variant:
                canon.setdefault(variant.lower(), set()).add(entry.canonical)
    # A word the lexicon gives two canonical names cannot have one expected answer.
    return tuple(sorted((v, next(iter(c))) for v, c in canon.items() if len(c) == 1))


def substance(rng: random.Random) -> tuple[str, Expect]:
    # A private generator, seeded by one draw: the lexicon (owned by detection) may grow, and
    # that must change only these words, not every row generated after them.
    own = random.Random(rng.random())
    term, canonical = own.choice(_substance_terms())
    written = term.capitalize() if own.random() < 0.3 else term
    return written, [("substance", canonical)]

"""How people write each indicator: the written form and the normal form it must yield.

Each writer returns ``(written, [(type, value), ...])``; the expected values are derived
from the parts the writer chose, never typed in by hand.
"""

from __future__ import annotations

import random

import phonenumbers

from narcowatch.extract.labelled import values

Expect = list[tuple[str, str]]
_SYL = (
    "kla",
    "dmen",
    "shop",
    "mag",
    "top",
    "alm",
    "ast",
    "snow",
    "ice",
    "kz",
    "best",
    "mef",
    "gold",
    "city",
    "baza",
    "opt",
    "star",
    "fast",
    "zakl",
    "nur",
    "shym",
    "kar",
)
_KZ_MOBILE = ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")
_LOOK = {"0": ["O", "О", "o"], "3": ["З"]}


def name(rng: random.Random, min_len: int = 5) -> str:
    while True:
        word = "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 3)))
        word += rng.choice(["", "", "_kz", "24", "_almaty", "_shop", "_astana", "777", "_official"])
        if min_len <= len(word) <= 30:
            return word


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _e164(number: str) -> str | None:
    parsed = phonenumbers.parse(number, None)
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone(rng: random.Random, country: str, obfuscate: bool = False) -> tuple[str, Expect]:
    while True:
        if country in ("KZ", "RU"):
            op = (
                rng.choice(_KZ_MOBILE)
                if country == "KZ"
                else f"9{rng.randint(0, 9)}{rng.randint(0, 9)}"
            )
            rest = _digits(rng, 7)
            value = _e164(f"+7{op}{rest}")
            styles = [
                f"+7 {op} {rest[:3]} {rest[3:5]} {rest[5:]}",
                f"8{op}{rest}",
                f"8({op}){rest[:3]}-{rest[3:5]}-{rest[5:]}",
                f"+7-{op}-{rest[:3]}-{rest[3:5]}-{rest[5:]}",
                f"+7{op}{rest}",
                f"8 {op} {rest}",
                f"+7 ({op}) {rest[:3]} {rest[3:]}",
                f"8 ({op}) {rest[:3]}-{rest[3:]}",
                f"+7.{op}.{rest[:3]}.{rest[3:5]}.{rest[5:]}",
            ]
        elif country == "KG":
            op = rng.choice(["555", "700", "770", "772", "550", "705", "777", "990"])
            rest = _digits(rng, 6)
            value = _e164(f"+996{op}{rest}")
            styles = [
                f"+996 {op} {rest[:3]} {rest[3:]}",
                f"0{op} {rest[:3]} {rest[3:]}",
                f"+996{op}{rest}",
                f"+996 ({op}) {rest[:2]}-{rest[2:4]}-{rest[4:]}",
                f"996{op}{rest}",
            ]
        elif country == "UZ":
            op = rng.choice(["90", "91", "93", "94", "97", "99", "88", "33"])
            rest = _digits(rng, 7)
            value = _e164(f"+998{op}{rest}")
            styles = [
                f"+998 {op} {rest[:3]} {rest[3:5]} {rest[5:]}",
                f"+998{op}{rest}",
                f"998 ({op}) {rest[:3]}-{rest[3:5]}-{rest[5:]}",
                f"+998-{op}-{rest[:3]}-{rest[3:5]}-{rest[5:]}",
            ]
        else:
            op = rng.choice(["93", "92", "91", "98", "90", "55", "50", "88"])
            rest = _digits(rng, 7)
            value = _e164(f"+992{op}{rest}")
            styles = [
                f"+992 {op} {rest[:3]} {rest[3:]}",
                f"+992{op}{rest}",
                f"+992 ({op}) {rest[:3]}-{rest[3:5]}-{rest[5:]}",
            ]
        if value is None:
            continue
        written = rng.choice(styles)
        if obfuscate:
            written = _obfuscate(rng, written)
        return written, [("phone", value)]


def _obfuscate(rng: random.Random, written: str) -> str:
    style = rng.randint(0, 2)
    if style == 0:
        return " ".join(ch for ch in written if ch.isdigit() or ch == "+")
    chars = list(written)
    positions = [i for i, ch in enumerate(chars) if ch in _LOOK and i > 1]
    for i in rng.sample(positions, k=min(len(positions), rng.randint(1, 3))):
        chars[i] = rng.choice(_LOOK[chars[i]])
    return "".join(chars)


def telegram(rng: random.Random) -> tuple[str, Expect]:
    user = name(rng)
    shown = "".join(ch.upper() if rng.random() < 0.15 else ch for ch in user)
    low = user.lower()
    code = "".join(rng.choice("ABCDEFGHabcdefgh0123456789_-") for _ in range(16))
    code = "A" + code[1:]
    form = rng.randint(0, 11)
    if form == 0:
        return f"@{shown}", [("telegram", low)]
    if form == 1:
        return f"t.me/{shown}", [("telegram", low), ("url", f"t.me/{shown}")]
    if form == 2:
        return f"https://t.me/{shown}", [("telegram", low), ("url", f"https://t.me/{shown}")]
    if form == 3:
        return f"telegram.me/{shown}", [("telegram", low), ("url", f"telegram.me/{shown}")]
    if form == 4:
        return f"t.me/+{code}", [("telegram", f"t.me/+{code}"), ("url", f"t.me/+{code}")]
    if form == 5:
        return (
            f"https://t.me/joinchat/{code}",
            [("telegram", f"t.me/+{code}"), ("url", f"https://t.me/joinchat/{code}")],
        )
    if form == 6:
        cid, post = _digits(rng, 10).lstrip("0") or "1", rng.randint(1, 999)
        return f"t.me/c/{cid}/{post}", [
            ("telegram", f"t.me/c/{cid}"),
            ("url", f"t.me/c/{cid}/{post}"),
        ]
    if form == 7:
        return f"tg://resolve?domain={shown}", [("telegram", low)]
    if form == 8:
        bot = name(rng).rstrip("_")[:24] + "_bot"
        return bot, [("telegram", bot.lower())]
    if form == 9:
        return f"{rng.choice(['собака', '(at)'])} {user}", [("telegram", low)]
    if form == 10:
        return f"t . me / {user}", [("telegram", low), ("url", f"t.me/{user}")]
    return f"t[.]me/{user}", [("telegram", low), ("url", f"t.me/{user}")]


def whatsapp(rng: random.Random) -> tuple[str, Expect]:
    _, [(_, e164)] = phone(rng, rng.choice(["KZ", "KZ", "RU", "KG"]))
    digits = e164.lstrip("+")
    if rng.random() < 0.5:
        link = f"https://wa.me/{digits}"
        return link, [("whatsapp", e164), ("url", link)]
    link = f"https://api.whatsapp.com/send?phone={digits}"
    return link, [("whatsapp", e164), ("url", link)]


def link(rng: random.Random) -> tuple[str, Expect]:
    host = name(rng).replace("_", "-").strip("-")
    tld = rng.choice(["kz", "com", "ru", "net", "org", "shop", "top", "xyz"])
    path = rng.choice(["catalog", "shop/almaty", "item?id=" + _digits(rng, 3), "x/" + name(rng)])
    form = rng.randint(0, 7)
    if form == 0:
        return f"https://{host}.{tld}/{path}", [("url", f"https://{host}.{tld}/{path}")]
    if form == 1:
        return f"hxxps://{host}[.]{tld}/{path}", [("url", f"https://{host}.{tld}/{path}")]
    if form == 2:
        return f"hXXp://{host}(dot){tld}/{path}", [("url", f"http://{host}.{tld}/{path}")]
    if form == 3:
        return f"www.{host}.{tld}/{path}", [("url", f"www.{host}.{tld}/{path}")]
    if form == 4:
        return f"{host}.{tld}", [("domain", f"{host}.{tld}")]
    if form == 5:
        return f"{host}[.]{tld}", [("domain", f"{host}.{tld}")]
    if form == 6:
        word = rng.choice(["магазин", "закладка", "дүкен", "клад", "товар", "сайт"])
        zone = rng.choice(["рф", "қаз", "kz"])
        written = f"{word}-{rng.randint(1, 99)}.{zone}"
        if rng.random() < 0.4:
            return written.encode("idna").decode("ascii"), [("domain", written)]
        return written, [("domain", written)]
    address = values.onion(rng)
    if rng.random() < 0.5:
        return address, [("onion", address)]
    return f"http://{address}/{path}", [("onion", address), ("url", f"http://{address}/{path}")]


def email(rng: random.Random) -> tuple[str, Expect]:
    local = name(rng).replace("_", rng.choice([".", "_", ""]))
    host = rng.choice(["mail.ru", "gmail.com", "yandex.kz", "inbox.ru", "proton.me", "bk.ru"])
    form = rng.randint(0, 3)
    value = f"{local}@{host}"
    if form == 0:
        return value, [("email", value)]
    if form == 1:
        return f"{local} (at) {host.replace('.', ' [.] ')}", [("email", value)]
    if form == 2:
        return f"{local} собака {host}", [("email", value)]
    return f"{local}[at]{host}", [("email", value)]

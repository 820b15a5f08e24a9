"""Word lists the demo slots draw from: slang, weights, prices, salaries, goods, names.

Slang is what the shops in the issue's domain notes use (mephedrone "меф", buds "шишки",
stash "клад"); spellings vary on purpose, and ``obfuscate`` adds the disguises shops use
against keyword filters (Latin look-alikes, separators, stretched letters, zero-width spaces).
"""

from __future__ import annotations

import random

DRUGS: dict[str, tuple[str, ...]] = {
    "ru": (
        "меф",
        "мефедрон",
        "мука",
        "кристаллы",
        "крис",
        "альфа",
        "альфа-пвп",
        "соль",
        "скорость",
        "шишки",
        "бошки",
        "гашиш",
        "гаш",
        "план",
        "экстази",
        "таблы",
        "мдма",
        "кокаин",
        "кокс",
        "героин",
        "марки",
        "лсд",
        "грибы",
        "амф",
        "фен",
        "спайс",
        "микс",
        "ешки",
        "трава",
        "первый",
    ),
    "kk": ("меф", "шишки", "кристалл", "гашиш", "скорость", "таблетка", "альфа", "мука", "план"),
    "en": (
        "mephedrone",
        "meph",
        "weed",
        "buds",
        "hash",
        "coke",
        "molly",
        "MDMA",
        "pills",
        "crystal",
        "alpha-PVP",
        "LSD tabs",
        "shrooms",
        "speed",
        "kush",
    ),
}
DRUGS["mixed"] = DRUGS["ru"][:14] + DRUGS["en"][:8]

DRUG_EMOJI = ("❄️", "💎", "🍁", "🌿", "🍄", "💊", "🔥", "⚡️", "🚀", "🍭", "🧊", "🌨", "🍫")
NEUTRAL_EMOJI = ("👍", "😂", "☀️", "🙏", "👋", "🎉")

HOMOGLYPHS = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "к": "k", "м": "m"}


def obfuscate(word: str, rng: random.Random) -> str:
    """One of the disguises shops use against keyword filters."""
    style = rng.randrange(6)
    if style == 0:
        return "".join(HOMOGLYPHS.get(ch, ch) if rng.random() < 0.6 else ch for ch in word)
    if style == 1 and len(word) <= 6:
        return rng.choice((".", "-", " ", "*")).join(word)
    if style == 2:
        i = rng.randrange(len(word))
        return word[: i + 1] + word[i] * rng.randint(1, 3) + word[i + 1 :]
    if style == 3:
        i = rng.randrange(1, max(2, len(word)))
        return word[:i] + "\u200b" + word[i:]
    if style == 4:
        return word.upper()
    return word[0] + "*" + word[2:] if len(word) > 3 else word


WEIGHTS_G = ("0.3", "0.5", "1", "1", "2", "3", "5", "10")
WEIGHT_UNITS = {"ru": ("г", "гр", " г", "g"), "kk": ("г", "гр"), "en": ("g", " g", "gr")}
WEIGHT_UNITS["mixed"] = ("г", "g", "gr")


def weight(rng: random.Random, lang: str) -> str:
    grams = rng.choice(WEIGHTS_G)
    if lang == "ru" and rng.random() < 0.2:
        grams = grams.replace(".", ",")
    return grams + rng.choice(WEIGHT_UNITS[lang])


def price(rng: random.Random, lang: str) -> str:
    thousands = rng.choice((6, 8, 9, 10, 12, 14, 15, 18, 20, 22, 25, 30, 35, 45, 60, 80, 120))
    if lang == "en":
        return rng.choice(
            (
                f"{thousands},000 KZT",
                f"${thousands * 2}",
                f"{thousands * 2} USDT",
                f"{thousands}k ₸",
            )
        )
    return rng.choice(
        (
            f"{thousands} 000 ₸",
            f"{thousands}000тг",
            f"{thousands}к",
            f"{thousands} 000 тенге",
            f"{thousands}.000₸",
            f"{thousands}k",
            f"{thousands} 000 тг",
        )
    )


def salary(rng: random.Random, lang: str) -> str:
    week = rng.choice((200, 250, 300, 350, 400, 500))
    day = rng.choice((15, 20, 25, 30, 40))
    if lang == "kk":
        return rng.choice((f"аптасына {week} 000 ₸", f"күніне {day} 000 ₸", f"{week}к/апта"))
    if lang == "en":
        return rng.choice((f"${week * 2}/week", f"up to ${week * 8}/month", f"{day}k KZT a day"))
    return rng.choice(
        (
            f"{week}к/нед",
            f"от {week} 000 тг в неделю",
            f"до {week * 4 // 100 * 100}к в месяц",
            f"{day}-{day + 10}к в день",
            f"{week} 000 ₸ в неделю",
        )
    )


MEDS = (
    "парацетамол",
    "нурофен",
    "омепразол",
    "витамин D3",
    "аспирин",
    "лоратадин",
    "ношпа",
    "амоксициллин",
    "цитрамон",
    "мезим",
    "глицин",
    "смекта",
    "активированный уголь",
)
COMPANIES = (
    ("Жылдам Жеткізу", "zhyldam.example"),
    ("DalaDelivery", "daladelivery.example"),
    ("Qazaq Post Express", "qpe.example"),
    ("Береке Маркет", "bereke-market.example"),
    ("Steppe Food", "steppefood.example"),
)
EXCHANGES = ("kzt-exchange.example", "usdt-obmen.example", "aifc-crypto.example")
FIRST_NAMES = (
    "Айгерим",
    "Ерлан",
    "Данияр",
    "Алия",
    "Нурлан",
    "Мадина",
    "Асель",
    "Тимур",
    "Жанна",
    "Арман",
    "Дина",
    "Серик",
    "Ольга",
    "Дмитрий",
    "Бауыржан",
    "Гульнара",
    "Максим",
    "Айдана",
)
LAST_INITIALS = "АБЖКМНСТЕОД"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}."

"""Invented identities the demo shops use: handles, phones, cards and crypto wallets.

Every value is random but valid in form (phones parse as Kazakh mobiles, cards pass the
Luhn check on test-card prefixes, TRON and Bitcoin addresses carry correct checksums), so
the extractors treat them like the real thing while no real person is named.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import base58
import bech32
from stdnum import luhn

KZ_MOBILE_CODES = (
    "700",
    "701",
    "702",
    "705",
    "707",
    "708",
    "747",
    "771",
    "775",
    "776",
    "777",
    "778",
)
# Prefixes of well-known public test-card ranges: numbers look like cards but are invented.
TEST_CARD_PREFIXES = ("400000", "411111", "424242", "401288", "555555", "510510", "222300")


def make_phone(rng: random.Random) -> str:
    """An invented Kazakh mobile number in E.164 form (+77XXXXXXXXX).

    The subscriber part starts with 000, a block chosen to make it unlikely that a demo
    shows a real person's number next to a drug shop; the form stays valid.
    """
    return "+7" + rng.choice(KZ_MOBILE_CODES) + f"000{rng.randrange(10**4):04d}"


def format_phone(e164: str, rng: random.Random) -> str:
    """Write a +7 7xx number the way people do: 8 701 ..., +7(747)..., dashes, spaces."""
    code, rest = e164[2:5], e164[5:]
    a, b, c = rest[:3], rest[3:5], rest[5:]
    styles = (
        f"8 {code} {a} {b} {c}",
        f"+7({code}){a}-{b}-{c}",
        f"+7 ({code}) {a}-{b}-{c}",
        f"+7{code}{rest}",
        f"8{code}{rest}",
        f"8-{code}-{a}-{b}{c}",
        f"+7 {code} {a} {b} {c}",
        f"7 {code} {a}{b}{c}",
        f"8 ({code}) {a} {b} {c}",
    )
    return rng.choice(styles)


def make_card(rng: random.Random) -> str:
    """A 16-digit Luhn-valid number on a public test-card prefix."""
    body = rng.choice(TEST_CARD_PREFIXES) + "".join(str(rng.randrange(10)) for _ in range(9))
    return body + luhn.calc_check_digit(body)


def format_card(number: str, rng: random.Random) -> str:
    groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return rng.choice((" ".join(groups), "-".join(groups), number, " ".join(groups)))


def make_tron(rng: random.Random) -> str:
    """A TRON (USDT-TRC20) address: base58check of 0x41 + 20 random bytes."""
    return base58.b58encode_check(b"\x41" + rng.randbytes(20)).decode("ascii")


def make_btc(rng: random.Random) -> str:
    """A native SegWit Bitcoin address (bech32, witness v0, 20-byte program)."""
    address = bech32.encode("bc", 0, list(rng.randbytes(20)))
    assert address is not None  # encode fails only for invalid witness programs
    return address


@dataclass
class Shop:
    """One invented drug shop: brand, accounts, and the money details it rotates."""

    key: str
    brand: str
    channel: str  # handle of the main channel, without "@"
    mirrors: list[str]
    bot: str
    operator: str
    phones: list[str]
    cards: list[str]
    wallets: list[str]
    btc: str
    cities: list[str]
    langs: list[str]
    shared_with: list[str] = field(default_factory=list)

    def card_at(self, fraction: float) -> str:
        """Cards rotate: the one in use at ``fraction`` (0..1) of the demo period."""
        index = min(int(fraction * len(self.cards)), len(self.cards) - 1)
        return self.cards[index]

    def indicators(self) -> dict[str, list[str]]:
        return {
            "telegram": [self.channel, *self.mirrors, self.bot, self.operator],
            "phone": list(self.phones),
            "card": list(self.cards),
            "crypto:trx": list(self.wallets),
            "crypto:btc": [self.btc],
        }


# brand, handle stem, home cities, languages of its posts
SHOP_SPECS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Белый Кот", "belyi_kot", ("almaty", "taldykorgan"), ("ru", "mixed")),
    ("Степной Волк", "stepnoy_volk", ("astana", "karaganda", "kokshetau"), ("ru", "kk")),
    ("Shymkent Express", "shym_express", ("shymkent", "turkistan", "taraz"), ("ru", "kk")),
    ("Северное Сияние", "sever_siyanie", ("pavlodar", "oskemen", "semey"), ("ru",)),
    ("Candy Steppe", "candy_steppe", ("almaty", "astana", "aktau"), ("en", "mixed", "ru")),
    ("Дала Шоп", "dala_shop", ("aktobe", "uralsk", "atyrau", "kyzylorda"), ("kk", "ru")),
)


BOT_INFIXES = ("_shop", "", "_24")


def build_shops(rng: random.Random, months: int) -> list[Shop]:
    """The demo's shops; two pairs share an operator phone or a card (one network)."""
    shops: list[Shop] = []
    for n, (brand, stem, cities, langs) in enumerate(SHOP_SPECS):
        suffix = rng.choice(("kz", "kaz", "24", "shop", "store", "777"))
        shops.append(
            Shop(
                key=stem,
                brand=brand,
                channel=f"{stem}_{suffix}",
                mirrors=[f"{stem}_{suffix}{i}" for i in range(2, 2 + rng.randint(1, 2))],
                bot=f"{stem}{rng.choice(BOT_INFIXES[1:] if 'shop' in stem else BOT_INFIXES)}_bot",
                operator=f"{stem}_{rng.choice(('op', 'oper', 'support', 'admin'))}{n + 1}",
                phones=[make_phone(rng) for _ in range(rng.randint(1, 2))],
                cards=[make_card(rng) for _ in range(max(3, months - rng.randint(0, 2)))],
                wallets=[make_tron(rng) for _ in range(rng.randint(1, 2))],
                btc=make_btc(rng),
                cities=list(cities),
                langs=list(langs),
            )
        )
    # A money mule serving two brands, and an operator phone reused after a rebrand.
    shops[1].cards.insert(2, shops[3].cards[1])
    shops[1].shared_with.append(shops[3].key)
    shops[3].shared_with.append(shops[1].key)
    shops[4].phones.append(shops[0].phones[0])
    shops[4].shared_with.append(shops[0].key)
    shops[0].shared_with.append(shops[4].key)
    return shops


OFFICIAL_BOT = "stop_narko_kz_official_bot"  # the (invented) police reporting bot
OFFICIAL_CHANNEL = "police_kz_news_synthetic"

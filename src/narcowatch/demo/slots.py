"""Fills the {slots} of a demo template for one post: its shop, city, language and date.

The filler decides which values become Telegram entities (mentions, phones, bank cards,
links) and applies the shop's rotating card for the post's point in time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from narcowatch.demo import vocab
from narcowatch.demo.geo import City
from narcowatch.demo.identities import (
    OFFICIAL_BOT,
    Shop,
    format_card,
    format_phone,
    make_phone,
)
from narcowatch.demo.phrasebook import Segment


@dataclass
class SlotFiller:
    rng: random.Random
    lang: str
    city: City
    shop: Shop | None = None
    fraction: float = 0.5  # where in the demo period the post is
    obfuscation: float = 0.25  # share of drug words disguised
    _used: set[str] = field(default_factory=set)

    def _drug(self) -> str:
        word = self.rng.choice(vocab.DRUGS[self.lang])
        if self.rng.random() < self.obfuscation:
            word = vocab.obfuscate(word, self.rng)
        if self.rng.random() < 0.15:
            word = f"{self.rng.choice(vocab.DRUG_EMOJI)}{word}"
        return word

    def _handle(self, handle: str) -> list[Segment]:
        if self.rng.random() < 0.12:
            return [
                Segment(
                    "text_link",
                    self.rng.choice(("тут", "бот", "here", "👉")),
                    f"https://t.me/{handle}",
                )
            ]
        if self.rng.random() < 0.1:
            return [Segment("link", f"t.me/{handle}")]
        return [Segment("mention", "@" + handle)]

    def _district(self) -> str:
        """A district of the post's city, different from those the post already named."""
        fresh = [d for d in self.city.districts if d not in self._used]
        chosen = self.rng.choice(fresh or list(self.city.districts))
        self._used.add(chosen)
        return chosen

    def _price_lines(self) -> list[Segment]:
        lines = []
        bullet = self.rng.choice(("• ", "— ", "▪️ ", "", "🔹 ", "{emoji} "))
        sep = self.rng.choice((" — ", " - ", " | ", ": ", " = "))
        for _ in range(self.rng.randint(3, 7)):
            mark = bullet.replace("{emoji}", self.rng.choice(vocab.DRUG_EMOJI))
            lines.append(
                f"{mark}{self._drug()} {vocab.weight(self.rng, self.lang)}{sep}"
                f"{vocab.price(self.rng, self.lang)}"
            )
        return [Segment("plain", "\n".join(lines))]

    def fill(self, slot: str) -> list[Segment]:
        rng, shop = self.rng, self.shop
        if slot == "price_lines":
            return self._price_lines()
        if slot in {"bot", "op", "channel", "mirror"} and shop is not None:
            handle = {
                "bot": shop.bot,
                "op": shop.operator,
                "channel": shop.channel,
                "mirror": rng.choice(shop.mirrors),
            }[slot]
            return self._handle(handle)
        if slot.endswith("_url") and shop is not None:
            handle = shop.channel if slot == "channel_url" else self.rng.choice(shop.mirrors)
            return [Segment("link", self.rng.choice(("t.me/", "https://t.me/")) + handle)]
        if slot == "phone" and shop is not None:
            return [Segment("phone", format_phone(rng.choice(shop.phones), rng))]
        if slot == "card" and shop is not None:
            return [Segment("bank_card", format_card(shop.card_at(self.fraction), rng))]
        if slot == "wallet" and shop is not None:
            return [Segment("code", rng.choice(shop.wallets))]
        if slot == "btc" and shop is not None:
            return [Segment("code", shop.btc)]
        if slot == "official_bot":
            return [Segment("mention", "@" + OFFICIAL_BOT)]
        if slot == "neutral_phone":
            return [Segment("phone", format_phone(make_phone(rng), rng))]
        return [Segment("plain", self.text(slot))]

    def text(self, slot: str) -> str:
        rng, lang = self.rng, self.lang
        simple = {
            "drug": self._drug,
            "drug2": self._drug,
            "drug3": self._drug,
            "weight": lambda: vocab.weight(rng, lang),
            "price": lambda: vocab.price(rng, lang),
            "salary": lambda: vocab.salary(rng, lang),
            "city": lambda: self.city.name(lang),
            "city_in": lambda: self.city.name_in(lang),
            "district": self._district,
            "district2": self._district,
            "district3": self._district,
            "emoji": lambda: rng.choice(vocab.DRUG_EMOJI),
            "n": lambda: str(rng.randint(3, 40)),
            "n2": lambda: str(rng.randint(2, 9)),
            "kg": lambda: f"{rng.randint(1, 120)}{rng.choice(('', ',5', ',2'))}",
            "age": lambda: str(rng.randint(17, 34)),
            "med": lambda: rng.choice(vocab.MEDS),
            "med2": lambda: rng.choice(vocab.MEDS),
            "med_price": lambda: f"{rng.randint(4, 60) * 100} ₸",
            "item_price": lambda: f"{rng.randint(1, 60) * 500:,} ₸".replace(",", " "),
            "legit_salary": lambda: f"{rng.choice((220, 250, 280, 320, 350))} 000 ₸/мес",
            "company": lambda: rng.choice(vocab.COMPANIES)[0],
            "company_domain": lambda: rng.choice(vocab.COMPANIES)[1],
            "exchange": lambda: rng.choice(vocab.EXCHANGES),
            "rate": lambda: f"{rng.randint(495, 545)}.{rng.randint(0, 99):02d}",
            "btc_rate": lambda: f"{rng.randint(58, 120)} {rng.randint(0, 999):03d}",
            "percent": lambda: f"{rng.randint(1, 12)}.{rng.randint(0, 9)}",
            "shop": lambda: self.shop.brand if self.shop else "",
        }
        make = simple.get(slot)
        if make is None:
            raise KeyError(f"unknown demo slot {slot!r}")
        return make()

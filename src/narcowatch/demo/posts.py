"""One demo post: pick a kind and a language, render a template, remember the truth.

Positive kinds come from ``data/positive.yaml`` (a shop selling, recruiting, rotating
payment details), negative kinds from ``data/negative.yaml`` (news of arrests, police
warnings, homonyms such as bath salt or a hair dryer, legit jobs, chat, spam).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from narcowatch.demo.geo import City
from narcowatch.demo.identities import Shop
from narcowatch.demo.phrasebook import Segment, choose, phrasebook, pick_template, render
from narcowatch.demo.slots import SlotFiller

POSITIVE_KINDS = tuple(phrasebook("positive"))
NEGATIVE_KINDS = tuple(phrasebook("negative"))
LANGS = ("ru", "kk", "en", "mixed")


@dataclass
class Post:
    kind: str
    label: int  # 1 = sells or recruits for drugs, 0 = hard negative or benign
    lang: str
    city: str
    at: datetime
    segments: list[Segment]
    shop: str | None = None
    author: str | None = None
    forwarded_from: str | None = None
    edited: datetime | None = None
    meta: dict[str, str] = field(default_factory=dict)
    photo: bytes | None = None  # a JPEG attached to the message (price lists as pictures)

    @property
    def text(self) -> str:
        return "".join(seg.text for seg in self.segments)


def weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def compose(
    rng: random.Random,
    kind: str,
    lang: str,
    city: City,
    at: datetime,
    shop: Shop | None = None,
    fraction: float = 0.5,
    book: str | None = None,
) -> Post:
    """Render one post of ``kind`` (a kind of the positive or negative phrasebook)."""
    label = 1 if kind in POSITIVE_KINDS else 0
    book = book or ("positive" if label else "negative")
    filler = SlotFiller(rng, lang, city, shop, fraction, obfuscation=rng.choice((0.1, 0.25, 0.5)))
    text = choose(pick_template(book, kind, lang, rng), rng)
    segments = render(text, filler)
    if segments and segments[0].type == "plain" and segments[0].text[:1].islower():
        first = segments[0]
        segments[0] = Segment("plain", first.text[:1].upper() + first.text[1:])
    if label and rng.random() < 0.15:
        tag = rng.choice((f"#{city.name(lang).lower().replace('-', '_')}", "#клад", "#работа"))
        segments = [*segments, Segment("plain", "\n"), Segment("hashtag", tag)]
    return Post(
        kind=kind,
        label=label,
        lang=lang,
        city=city.key,
        at=at,
        segments=segments,
        shop=shop.key if shop and label else None,
    )

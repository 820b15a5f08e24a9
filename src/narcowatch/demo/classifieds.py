"""The demo classified-ad site: mostly ordinary goods, homonyms and jobs, some disguised shops.

Rows are JSONL objects with ``id, url, title, text, price, city, seller, date`` as a site
dump would hold them, plus ``synthetic: true``.
"""

from __future__ import annotations

import random
from typing import Any

import regex

from narcowatch.demo.channels import any_city
from narcowatch.demo.geo import City
from narcowatch.demo.identities import Shop
from narcowatch.demo.phrasebook import Segment, choose, flatten, pick_template, render
from narcowatch.demo.posts import Post, compose, weighted
from narcowatch.demo.slots import SlotFiller
from narcowatch.demo.telegram import KZ_TIME
from narcowatch.demo.timeline import Period
from narcowatch.demo.vocab import person

SITE = "https://kz-bazar.example"
AD_MIX = {
    "goods": 38,
    "homonym": 22,
    "legit_courier": 12,
    "pharmacy": 5,
    "spam": 3,
    "disguised": 20,
}
AD_LANGS = {"ru": 70, "kk": 20, "en": 10}
SELLER_SUFFIXES = ("", "_kz", "77", "_shop", "2026")
PRICE = regex.compile(r"(\d{1,3}(?: \d{3})*|\d+) ?₸")


def _from_book(
    rng: random.Random, kind: str, lang: str, city: City, shop: Shop, period: Period
) -> tuple[str, Post, int | None]:
    """Title, post and price for the site's own kinds (goods, disguised)."""
    at = period.moment(rng)
    titles, text_tpl, price_range = pick_template("classifieds", kind, lang, rng)
    filler = SlotFiller(rng, lang, city, shop, period.fraction(at), obfuscation=0.3)
    title = flatten(render(rng.choice(titles), filler))
    segments = render(choose(text_tpl, rng), filler)
    if segments and segments[0].type == "plain":
        first = segments[0].text
        segments[0] = Segment("plain", first[:1].upper() + first[1:])
    label = 1 if kind == "disguised" else 0
    post = Post(kind, label, lang, city.key, at, segments, shop=shop.key if label else None)
    price = rng.randint(*price_range) * 1000 if price_range else None
    return title, post, price


def _title_from(text: str) -> str:
    """The first phrase of the text, as sellers title their ads."""
    first = regex.split(r"[,.!\n]", text, maxsplit=1)[0].strip()
    if len(first) < 8 or len(first) > 70:
        first = " ".join(text.split()[:6])
    return first.rstrip(".,:;—- ")


def _price_in(text: str) -> int | None:
    match = PRICE.search(text)
    return int(match.group(1).replace(" ", "")) if match else None


def build_ads(
    rng: random.Random, shops: list[Shop], n_ads: int, period: Period
) -> tuple[list[dict[str, Any]], list[Post]]:
    rows: list[dict[str, Any]] = []
    posts: list[Post] = []
    for n in range(1, n_ads + 1):
        kind = weighted(rng, AD_MIX)
        lang = weighted(rng, AD_LANGS)
        city = any_city(rng)
        shop = rng.choice([s for s in shops if city.key in s.cities] or shops)
        if kind in {"goods", "disguised"}:
            title, post, price = _from_book(rng, kind, lang, city, shop, period)
        else:
            at = period.moment(rng)
            post = compose(rng, kind, lang, city, at, shop, period.fraction(at))
            title, price = _title_from(post.text), _price_in(post.text)
        seller = rng.choice(
            (person(rng), f"user{rng.randint(1000, 99999)}{rng.choice(SELLER_SUFFIXES)}")
        )
        ad_id = f"{rng.randint(10, 99)}{n:06d}"
        rows.append(
            {
                "id": ad_id,
                "url": f"{SITE}/ad/{ad_id}",
                "title": title,
                "text": post.text,
                "price": price,
                "city": city.ru,
                "seller": seller,
                "date": post.at.astimezone(KZ_TIME).isoformat(timespec="seconds"),
                "synthetic": True,
            }
        )
        post.meta = {"id": ad_id}
        posts.append(post)
    return rows, posts

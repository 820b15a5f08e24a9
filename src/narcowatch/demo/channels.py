"""The demo's Telegram channels and what each one posts.

Every shop has a main channel and a mirror (which forwards half of the main channel's
posts); around them sit the channels that make detection hard: news of arrests, a police
channel naming the official reporting bot, city chats where shop spam mixes with daily
life, a job board, a pharmacy and a crypto exchange.
"""

from __future__ import annotations

import random
from datetime import timedelta

from narcowatch.demo.geo import CITIES, CITY_BY_KEY, City
from narcowatch.demo.identities import Shop
from narcowatch.demo.images import render_price_card
from narcowatch.demo.phrasebook import Segment
from narcowatch.demo.posts import Post, compose, weighted
from narcowatch.demo.telegram import Channel
from narcowatch.demo.timeline import Period
from narcowatch.demo.vocab import person

SHOP_MIX = {
    "price_list": 18,
    "stash_ad": 20,
    "recruitment": 10,
    "bot_description": 7,
    "one_liner": 15,
    "promo": 12,
    "mirror_notice": 6,
    "payment_info": 12,
}
# key, display name, type, share of posts, kind mix, language mix, home city (None = any)
OTHER_CHANNELS: tuple[
    tuple[str, str, str, float, dict[str, float], dict[str, float], str | None], ...
] = (
    (
        "kz_news",
        "Новости Казахстана 24 [SYNTHETIC]",
        "public_channel",
        12,
        {"arrest_news": 40, "seizure_news": 30, "police_warning": 15, "prevention": 10, "spam": 5},
        {"ru": 60, "kk": 30, "en": 5, "mixed": 5},
        None,
    ),
    (
        "police_kz",
        "Полиция РК — официально [SYNTHETIC]",
        "public_channel",
        5,
        {"police_warning": 50, "seizure_news": 25, "arrest_news": 15, "prevention": 10},
        {"ru": 55, "kk": 40, "en": 5},
        None,
    ),
    (
        "almaty_chat",
        "Алматы Чат | Барахолка [SYNTHETIC]",
        "public_supergroup",
        10,
        {
            "chat": 40,
            "homonym": 14,
            "spam": 8,
            "legit_courier": 5,
            "pharmacy": 3,
            "one_liner": 12,
            "recruitment": 10,
            "stash_ad": 8,
        },
        {"ru": 55, "kk": 20, "mixed": 20, "en": 5},
        "almaty",
    ),
    (
        "astana_chat",
        "Астана Чат [SYNTHETIC]",
        "public_supergroup",
        10,
        {
            "chat": 45,
            "homonym": 15,
            "spam": 8,
            "legit_courier": 7,
            "crypto_exchange": 3,
            "one_liner": 10,
            "recruitment": 8,
            "stash_ad": 4,
        },
        {"ru": 50, "kk": 35, "mixed": 10, "en": 5},
        "astana",
    ),
    (
        "jobs_kz",
        "Работа в Казахстане [SYNTHETIC]",
        "public_channel",
        8,
        {"legit_courier": 60, "recruitment": 25, "spam": 15},
        {"ru": 60, "kk": 25, "en": 5, "mixed": 10},
        None,
    ),
    (
        "apteka_kz",
        "Аптека и здоровье KZ [SYNTHETIC]",
        "public_channel",
        6,
        {"pharmacy": 65, "prevention": 15, "homonym": 20},
        {"ru": 65, "kk": 30, "en": 5},
        None,
    ),
    (
        "crypto_kz",
        "Crypto KZ Обмен [SYNTHETIC]",
        "public_channel",
        5,
        {"crypto_exchange": 80, "spam": 20},
        {"ru": 45, "en": 30, "mixed": 25},
        None,
    ),
)
SHOP_MAIN_SHARE, SHOP_MIRROR_SHARE = 5.0, 2.0
PHOTO_SHARE = 0.3  # price lists posted as a picture with a short caption
PHOTO_CAPTIONS = {
    "ru": ("Прайс на фото 👇", "Актуальное наличие", "Меню на сегодня ⬇️", "Прайс обновлён"),
    "kk": ("Бағасы суретте 👇", "Бүгінгі прайс"),
    "en": ("Menu in the pic 👇", "Today's prices"),
    "mixed": ("Прайс / menu 👇", "Price на фото"),
}


def any_city(rng: random.Random) -> City:
    return rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]


def _shop_lang(rng: random.Random, shop: Shop) -> str:
    weights = [6, 3, 2][: len(shop.langs)]
    return rng.choices(shop.langs, weights=weights)[0]


def _chat_id(rng: random.Random) -> int:
    return rng.randrange(1_000_000_000, 9_999_999_999)


def _shop_post(rng: random.Random, shop: Shop, period: Period) -> Post:
    at = period.moment(rng)
    city = CITY_BY_KEY[rng.choice(shop.cities)]
    kind = weighted(rng, SHOP_MIX)
    post = compose(rng, kind, _shop_lang(rng, shop), city, at, shop, period.fraction(at))
    if kind == "price_list" and rng.random() < PHOTO_SHARE:
        photo = render_price_card(post.text, rng)
        if photo is not None:
            post.photo = photo
            caption = rng.choice(PHOTO_CAPTIONS.get(post.lang, PHOTO_CAPTIONS["ru"]))
            post.segments = [Segment("plain", caption + " "), Segment("mention", "@" + shop.bot)]
    if rng.random() < (0.4 if kind == "payment_info" else 0.06):
        post.edited = at + timedelta(minutes=rng.randint(2, 600))
    return post


def allocate(total: int, shares: list[float]) -> list[int]:
    """Split ``total`` by ``shares`` into whole numbers that add up to ``total`` exactly."""
    whole = sum(shares)
    exact = [total * share / whole for share in shares]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _mirror_posts(
    rng: random.Random, shop: Shop, main: Channel, count: int, period: Period
) -> list[Post]:
    """Half forwarded from the main channel, half the mirror's own."""
    posts = []
    for _ in range(count):
        if main.posts and rng.random() < 0.5:
            src = rng.choice(main.posts)
            at = min(src.at + timedelta(minutes=rng.randint(1, 300)), period.end)
            posts.append(
                Post(
                    src.kind,
                    src.label,
                    src.lang,
                    src.city,
                    at,
                    list(src.segments),
                    shop=src.shop,
                    forwarded_from=main.name,
                    photo=src.photo,
                )
            )
        else:
            posts.append(_shop_post(rng, shop, period))
    return posts


def build_channels(
    rng: random.Random, shops: list[Shop], n_posts: int, period: Period
) -> list[Channel]:
    """Spread exactly ``n_posts`` posts over the shops' channels and the other channels."""
    shares = [SHOP_MAIN_SHARE, SHOP_MIRROR_SHARE] * len(shops)
    counts = allocate(n_posts, shares + [spec[3] for spec in OTHER_CHANNELS])
    channels: list[Channel] = []
    for n, shop in enumerate(shops):
        city = CITY_BY_KEY[shop.cities[0]]
        main = Channel(
            shop.channel, f"{shop.brand} | {city.ru} [SYNTHETIC]", "public_channel", _chat_id(rng)
        )
        main.posts = [_shop_post(rng, shop, period) for _ in range(counts[2 * n])]
        mirror = Channel(
            shop.mirrors[0], f"{shop.brand} — резерв [SYNTHETIC]", "public_channel", _chat_id(rng)
        )
        mirror.posts = _mirror_posts(rng, shop, main, counts[2 * n + 1], period)
        channels += [main, mirror]
    for count, (key, name, ctype, _share, mix, langs, home) in zip(
        counts[len(shares) :], OTHER_CHANNELS, strict=True
    ):
        channel = Channel(key, name, ctype, _chat_id(rng))
        for _ in range(count):
            kind = weighted(rng, mix)
            lang = weighted(rng, langs)
            city = CITY_BY_KEY[home] if home else any_city(rng)
            local = [s for s in shops if city.key in s.cities]
            shop = rng.choice(local or shops)
            at = period.moment(rng)
            post = compose(rng, kind, lang, city, at, shop, period.fraction(at))
            if ctype == "public_supergroup":
                post.author = person(rng)
            channel.posts.append(post)
        channels.append(channel)
    return channels

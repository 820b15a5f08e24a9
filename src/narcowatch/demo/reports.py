"""Demo citizen reports: links, graffiti, stashes, labs and dens, with a place and a campaign.

Rows are JSONL objects; ``reporter`` is a synthetic reporter id that the demo loader turns
into an HMAC pseudonym (the real bot never stores who reported).
"""

from __future__ import annotations

import random
from typing import Any

from narcowatch.demo.channels import any_city
from narcowatch.demo.identities import Shop
from narcowatch.demo.images import render_graffiti
from narcowatch.demo.phrasebook import choose, pick_template, render
from narcowatch.demo.posts import weighted
from narcowatch.demo.slots import SlotFiller
from narcowatch.demo.telegram import KZ_TIME
from narcowatch.demo.timeline import Period

REPORT_MIX = {"link": 45, "graffiti": 20, "stash": 15, "lab": 5, "den": 5, "other": 10}
REPORT_LANGS = {"ru": 65, "kk": 25, "en": 10}
PHOTO_SHARE = 0.5  # graffiti reports that come with a photo of the wall
# Poster campaigns: code, the city whose posters carry it (None = everywhere), title.
CAMPAIGNS: tuple[tuple[str, str | None, str], ...] = (
    ("TARAZ-BOT-SYNTH", "taraz", "Постеры бота, Тараз [SYNTHETIC]"),
    ("CLEAN-WALLS-ALA", "almaty", "Чистые стены, Алматы [SYNTHETIC]"),
    ("SAFE-CITY-2026", None, "Безопасный город 2026 [SYNTHETIC]"),
    ("SCHOOL-WEEK", None, "Неделя профилактики в школах [SYNTHETIC]"),
)


def campaign_for(rng: random.Random, city_key: str) -> str | None:
    """Local posters bring most of a city's reports; elsewhere national ones, or none."""
    local = [code for code, home, _ in CAMPAIGNS if home == city_key]
    if local and rng.random() < 0.6:
        return local[0]
    national = [code for code, home, _ in CAMPAIGNS if home is None]
    return rng.choice([*national, None, None])


def build_reports(
    rng: random.Random, shops: list[Shop], n_reports: int, period: Period
) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
    """The report rows, and the photos some graffiti reports carry (name -> JPEG)."""
    photos: dict[str, bytes] = {}
    reporters = [f"synthetic-reporter-{n:04d}" for n in range(max(3, n_reports // 3))]
    rows: list[dict[str, Any]] = []
    for n in range(1, n_reports + 1):
        kind = weighted(rng, REPORT_MIX)
        lang = weighted(rng, REPORT_LANGS)
        city = any_city(rng)
        shop = rng.choice([s for s in shops if city.key in s.cities] or shops)
        at = period.moment(rng)
        filler = SlotFiller(rng, lang, city, shop, period.fraction(at), obfuscation=0.1)
        text = "".join(
            seg.text
            for seg in render(choose(pick_template("reports", kind, lang, rng), rng), filler)
        )
        rows.append(
            {
                "id": f"SR-{n:05d}",
                "kind": kind,
                "text": text,
                "lang": lang,
                "lat": round(city.lat + rng.uniform(-0.04, 0.04), 5),
                "lon": round(city.lon + rng.uniform(-0.06, 0.06), 5),
                "city": city.ru,
                "region": city.region,
                "campaign": campaign_for(rng, city.key),
                "reporter": rng.choice(reporters),
                "date": at.astimezone(KZ_TIME).isoformat(timespec="seconds"),
                "synthetic": True,
            }
        )
        if kind == "graffiti" and rng.random() < PHOTO_SHARE:
            words = filler.text("drug") + " " + rng.choice(("24/7", "клад", "работа", "тут"))
            photo = render_graffiti(words, shop.bot, rng)
            if photo is not None:
                rows[-1]["photo"] = f"photos/{rows[-1]['id']}.jpg"
                photos[rows[-1]["photo"]] = photo
    return rows, photos

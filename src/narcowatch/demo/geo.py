"""Kazakh cities for the demo: names in three languages, region, districts and centre point.

The table lives in ``data/cities.yaml``; region keys are those of ``reports.kinds.REGIONS``.
Districts mix administrative districts and microdistricts, enough for stash ads to look local.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import yaml


@dataclass(frozen=True)
class City:
    key: str
    ru: str
    ru_in: str  # "в Астане"
    kk: str
    kk_in: str  # "Астанада"
    en: str
    region: str
    lat: float
    lon: float
    weight: int  # relative share of posts
    districts: tuple[str, ...]

    def name(self, lang: str) -> str:
        return {"kk": self.kk, "en": self.en}.get(lang, self.ru)

    def name_in(self, lang: str) -> str:
        if lang == "kk":
            return self.kk_in
        if lang == "en":
            return f"in {self.en}"
        return self.ru_in


def _load() -> tuple[City, ...]:
    text = resources.files("narcowatch.demo").joinpath("data", "cities.yaml").read_text("utf-8")
    table = yaml.safe_load(text)
    cities = []
    for key, row in table.items():
        ru, ru_in, kk, kk_in, en, region = (str(v) for v in row[:6])
        cities.append(
            City(
                key,
                ru,
                ru_in,
                kk,
                kk_in,
                en,
                region,
                float(row[6]),
                float(row[7]),
                int(row[8]),
                tuple(str(d) for d in row[9]),
            )
        )
    return tuple(cities)


CITIES: tuple[City, ...] = _load()
CITY_BY_KEY = {c.key: c for c in CITIES}

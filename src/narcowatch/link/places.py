"""Kazakh cities and regions named in posts: the stems shops write in ru/kk/en.

A small gazetteer of our own (city key -> region key of ``reports.kinds.REGIONS`` and the
stems that catch inflected forms: «в Алматы», «Алматыда», «Караганде», «Qaragandy»).
"""

from __future__ import annotations

import regex

CITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Astana": ("astana", ("астан", "нур-султан", "astana")),
    "Almaty": ("almaty_city", ("алмат", "almaty", "алма-ат")),
    "Shymkent": ("shymkent", ("шымкент", "чимкент", "shymkent")),
    "Karaganda": ("karaganda", ("караганд", "қарағанд", "karaganda", "qaragandy")),
    "Pavlodar": ("pavlodar", ("павлодар", "pavlodar")),
    "Aktobe": ("aktobe", ("актоб", "ақтөбе", "aktobe")),
    "Taraz": ("jambyl", ("тараз", "taraz")),
    "Oskemen": ("east_kazakhstan", ("усть-каменогорск", "өскемен", "oskemen")),
    "Semey": ("abai", ("семей", "семее", "семея", "семею", "semey")),
    "Kostanay": ("kostanay", ("костана", "қостанай", "kostanay")),
    "Atyrau": ("atyrau", ("атырау", "atyrau")),
    "Aktau": ("mangystau", ("актау", "ақтау", "aktau")),
    "Kyzylorda": ("kyzylorda", ("кызылорд", "қызылорда", "kyzylorda")),
    "Oral": ("west_kazakhstan", ("уральск", "орал$", "оралда", "oral$")),
    "Petropavl": ("north_kazakhstan", ("петропавл", "petropavl")),
    "Kokshetau": ("akmola", ("кокшетау", "көкшетау", "kokshetau")),
    "Turkistan": ("turkistan", ("туркестан", "түркістан", "turkistan")),
    "Taldykorgan": ("jetisu", ("талдыкорган", "талдықорған", "taldykorgan")),
    "Ekibastuz": ("pavlodar", ("экибастуз", "екібастұз", "ekibastuz")),
    "Temirtau": ("karaganda", ("темиртау", "теміртау", "temirtau")),
    "Zhezkazgan": ("ulytau", ("жезказган", "жезқазған", "zhezkazgan")),
}
#: a stem ending in "$" must be a whole word («Орал», not «оральный»)
_STEM_TO_CITY = {stem.rstrip("$"): city for city, (_, stems) in CITIES.items() for stem in stems}
_ALTERNATIVES = sorted(
    (regex.escape(s.rstrip("$")) + (r"(?!\w)" if s.endswith("$") else ""))
    for _, stems in CITIES.values()
    for s in stems
)
_PATTERN = regex.compile(
    r"(?<!\w)(" + "|".join(sorted(_ALTERNATIVES, key=len, reverse=True)) + r")", regex.IGNORECASE
)


_HANDLES = regex.compile(r"@\w+|\b\S+://\S+|\b[\w.-]+\.(?:kz|ru|com|shop|net|org|onion)\b")


def cities_in(text: str) -> set[str]:
    """City names (English keys) mentioned in ``text`` (handles and links left out: a
    bot called almaty_shop_bot says nothing about where it sells)."""
    plain = _HANDLES.sub(" ", text or "")
    return {_STEM_TO_CITY[m.group(1).casefold()] for m in _PATTERN.finditer(plain)}


def region_of(city: str) -> str:
    return CITIES[city][0]

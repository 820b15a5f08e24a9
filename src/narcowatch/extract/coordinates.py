"""Coordinates: decimal pairs, degrees-minutes-seconds, and map links.

Stash ("клад") locations travel as coordinates or as links to Google Maps, Yandex Maps,
2GIS and OpenStreetMap. Yandex and 2GIS write longitude first; every form is normalised to
``lat,lon`` with 5 decimals. Bare decimal pairs need 4+ decimals so prices and versions stay out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from narcowatch.extract.base import Indicator, Scan, Window, finditer_in, scan
from narcowatch.extract.marks import any_in, gate_words

NAME = "coordinates.v1"

_NUM = r"-?\d{1,3}[.,]\d+"
DECIMAL_RE = re.compile(
    r"(?<![\w.,\-/])(?P<ns>[NSСЮ]\s?)?(?P<lat>-?\d{1,2}\.\d{4,})°?\s?(?P<ns2>[NSСЮ](?:\.ш\.?)?)?"
    r"(?:\s?[,;]\s?|\s+)"
    r"(?P<ew>[EWВЗ]\s?)?(?P<lon>-?\d{1,3}\.\d{4,})°?\s?(?P<ew2>[EWВЗ](?:\.д\.?)?)?(?![\w.]|,\d)"
    r"|(?<![\w.,\-/])(?P<clat>-?\d{1,2},\d{5,})(?:\s?;\s?|\s+)(?P<clon>-?\d{1,3},\d{5,})(?![\w,]|\.\d)"
)
_DMS = r"(\d{1,3})\s?[°º]\s?(\d{1,2})\s?['′’]\s?(?:(\d{1,2}(?:[.,]\d+)?)\s?(?:\"|″|''|”)\s?)?"
DMS_RE = re.compile(
    rf"(?P<lat>{_DMS})\s?(?P<h1>[NSСЮ])(?:\.?\s?ш\.?)?[\s,;]*"
    rf"(?P<lon>{_DMS})\s?(?P<h2>[EWВЗ])(?:\.?\s?д\.?)?"
)
_DMS_PART = re.compile(_DMS)
MAP_RE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:"
    r"(?P<google>(?:maps\.)?google\.[a-z.]{2,6}/maps[^\s]*?"
    r"(?:@|[?&](?:q|ll|query|center|destination)=(?:loc:)?)"
    r"(?P<g_lat>-?\d{1,2}\.\d+)(?:,|%2C)\s?(?P<g_lon>-?\d{1,3}\.\d+))"
    r"|(?P<yandex>yandex\.[a-z.]{2,6}/maps[^\s]*?[?&](?:ll|pt|whatshere%5Bpoint%5D|"
    r"whatshere\[point\]|rtext)=(?P<y_lon>-?\d{1,3}\.\d+)(?:,|%2C)(?P<y_lat>-?\d{1,2}\.\d+))"
    r"|(?P<dgis>2gis\.[a-z.]{2,6}/[^\s]*?(?:[?&]m=|/geo/(?:\d+/)?)"
    r"(?P<d_lon>-?\d{1,3}\.\d+)(?:,|%2C)(?P<d_lat>-?\d{1,2}\.\d+))"
    r"|(?P<osm>(?:openstreetmap|osm)\.org/[^\s]*?(?:#map=\d{1,2}/(?P<o_lat>-?\d{1,2}\.\d+)/"
    r"(?P<o_lon>-?\d{1,3}\.\d+)|[?&]mlat=(?P<o_mlat>-?\d{1,2}\.\d+)&mlon=(?P<o_mlon>-?\d{1,3}\.\d+)))"
    r")[^\s<>\"'«»]*",
    re.IGNORECASE,
)
LABELLED_RE = re.compile(
    r"(?:lat(?:itude)?|широта|ендік)\s*[:=]?\s*(?P<lat>-?\d{1,2}[.,]\d{3,})[\s,;]+"
    r"(?:lon(?:g|gitude)?|lng|долгота|бойлық)\s*[:=]?\s*(?P<lon>-?\d{1,3}[.,]\d{3,})",
    re.IGNORECASE,
)
_KEYWORD_RE = re.compile(
    r"(?:координат\w*|коорд\w*|coord\w*|gps|локац\w*|location|клад\w*|точк\w*|lat)\W{0,5}$",
    re.IGNORECASE,
)


_MAP_WORDS = gate_words("maps", "2gis", "openstreetmap", "osm.org")
_LABEL_WORDS = gate_words("lat", "широта", "ендік")
_DEGREES = gate_words("°", "º")


def format_point(lat: float, lon: float) -> str | None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return f"{lat:.5f},{lon:.5f}"


def _dms_value(text: str) -> float:
    m = _DMS_PART.match(text)
    if m is None:
        return float("nan")
    deg, minutes, sec = m.group(1), m.group(2), m.group(3) or "0"
    if int(minutes) >= 60 or float(sec.replace(",", ".")) >= 60:
        return float("nan")
    return int(deg) + int(minutes) / 60 + float(sec.replace(",", ".")) / 3600


def _fraction_windows(sc: Scan, digits: int) -> list[Window]:
    """Windows with a fractional part of ``digits``+ digits (``43.2567``, ``76,94512``)."""
    return sc.select(lambda text, s, e: e - s >= digits and s and text[s - 1] in ".,")


class CoordinateExtractor:
    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        if not scan(text).windows:
            return []
        hits: list[Indicator] = []
        taken: list[tuple[int, int]] = []
        for start, end, lat, lon in self._points(text):
            if any(s < end and start < e for s, e in taken):
                continue
            value = format_point(lat, lon)
            if value:
                hits.append(
                    Indicator("coordinates", value, text[start:end], start, end, True, NAME)
                )
                taken.append((start, end))
        return hits

    def _points(self, text: str) -> Iterator[tuple[int, int, float, float]]:
        sc = scan(text)
        windows = sc.windows
        maps = any_in(text, _MAP_WORDS)
        for m in finditer_in(MAP_RE, text, windows) if maps else ():
            end = m.end()
            while text[end - 1] in ".,;:!?)]}":
                end -= 1
            g = m.groupdict()
            pairs = [
                ("g_lat", "g_lon"),
                ("y_lat", "y_lon"),
                ("d_lat", "d_lon"),
                ("o_lat", "o_lon"),
                ("o_mlat", "o_mlon"),
            ]
            for a, b in pairs:
                if g[a] and g[b]:
                    yield m.start(), end, float(g[a]), float(g[b])
                    break
        for m in finditer_in(DMS_RE, text, windows, lead=0) if any_in(text, _DEGREES) else ():
            lat, lon = _dms_value(m.group("lat")), _dms_value(m.group("lon"))
            if m.group("h1") in "SЮ":
                lat = -lat
            if m.group("h2") in "WЗ":
                lon = -lon
            if lat == lat and lon == lon:
                yield m.start(), m.end(), lat, lon
        labelled_words = any_in(text, _LABEL_WORDS)
        for m in finditer_in(LABELLED_RE, text, _fraction_windows(sc, 3) if labelled_words else ()):
            lat = float(m.group("lat").replace(",", "."))
            yield m.start(), m.end(), lat, float(m.group("lon").replace(",", "."))
        for m in finditer_in(DECIMAL_RE, text, _fraction_windows(sc, 4), lead=4):
            if m.group("clat"):
                lat = float(m.group("clat").replace(",", "."))
                lon = float(m.group("clon").replace(",", "."))
            else:
                lat, lon = float(m.group("lat")), float(m.group("lon"))
                labelled = any(m.group(k) for k in ("ns", "ns2", "ew", "ew2")) or bool(
                    _KEYWORD_RE.search(text[max(0, m.start() - 20) : m.start()])
                )
                short = min(len(m.group("lat").split(".")[1]), len(m.group("lon").split(".")[1]))
                if short < 5 and not labelled:
                    continue
                if (m.group("ns") or m.group("ns2") or "N")[0] in "SЮ":
                    lat = -abs(lat)
                if (m.group("ew") or m.group("ew2") or "E")[0] in "WЗ":
                    lon = -abs(lon)
            yield m.start(), m.end(), lat, lon

"""Substances and their price ranges from a shop's posts.

A price belongs to a substance when a post names exactly one substance; the price per
unit uses the post's quantity when there is exactly one. Values come from the extractors
("15000 KZT", "2 g", "mephedrone").
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import regex

_AMOUNT = regex.compile(r"^([\d.]+)\s*(\S+)$")


def _parse(value: str) -> tuple[float, str] | None:
    match = _AMOUNT.match(value.strip())
    if not match:
        return None
    try:
        return float(match.group(1)), match.group(2)
    except ValueError:
        return None


def price_ranges(mentions: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """``mentions`` are (item_id, type, value); returns one row per substance."""
    per_item: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item, type_, value in mentions:
        per_item[item][type_].append(value)
    posts: dict[str, int] = defaultdict(int)
    prices: dict[tuple[str, str], list[float]] = defaultdict(list)
    units: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for found in per_item.values():
        substances = sorted(set(found.get("substance", [])))
        for s in substances:
            posts[s] += 1
        if len(substances) != 1 or len(set(found.get("price", []))) != 1:
            continue
        price = _parse(found["price"][0])
        if price is None:
            continue
        prices[(substances[0], price[1])].append(price[0])
        qty = set(found.get("quantity", []))
        if len(qty) == 1:
            amount = _parse(qty.pop())
            if amount and amount[0] > 0:
                units[(substances[0], price[1], amount[1])].append(price[0] / amount[0])
    rows = []
    for substance, n in sorted(posts.items(), key=lambda kv: -kv[1]):
        ranges = [
            {"currency": cur, "min": min(v), "max": max(v), "posts": len(v)}
            for (s, cur), v in sorted(prices.items())
            if s == substance
        ]
        per_unit = [
            {"currency": cur, "unit": unit, "min": min(v), "max": max(v)}
            for (s, cur, unit), v in sorted(units.items())
            if s == substance
        ]
        rows.append({"substance": substance, "posts": n, "prices": ranges, "per_unit": per_unit})
    return rows

"""Geometry of the Sankey-style summary: one band per cash-out point, width by amount.

Computed server-side as plain numbers for an SVG (no inline script or style is allowed by
the UI's content security policy), so the summary also renders without JavaScript.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

HEIGHT = 320
GAP = 6
MAX_BANDS = 12


def sankey_bands(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Bands from the seeds (left) to the largest cash-out points (right), the rest grouped."""
    cashouts = data.get("cashouts", [])
    amounts = [
        (c["label"] or c["address"], c["category"], Decimal(c["amount"]), c["address"])
        for c in cashouts
    ]
    if len(amounts) > MAX_BANDS:
        rest = sum((a for _, _, a, _ in amounts[MAX_BANDS - 1 :]), Decimal(0))
        amounts = [*amounts[: MAX_BANDS - 1], (f"+{len(amounts) - MAX_BANDS + 1}", "", rest, "")]
    total = sum((a for _, _, a, _ in amounts), Decimal(0))
    if total <= 0:
        return []
    usable = HEIGHT - GAP * (len(amounts) - 1)
    bands, left, right = [], 0.0, 0.0
    for label, category, amount, address in amounts:
        width = max(2.0, float(amount / total) * usable)
        bands.append(
            {
                "label": label,
                "category": category,
                "amount": format(amount.normalize(), "f"),
                "address": address,
                "share": round(float(amount / total) * 100, 1),
                "y0": round(left, 1),
                "y1": round(right, 1),
                "h": round(width, 1),
                "path": (
                    f"M 120 {left:.1f} C 300 {left:.1f}, 300 {right:.1f}, 480 {right:.1f} "
                    f"L 480 {right + width:.1f} C 300 {right + width:.1f}, 300 {left + width:.1f}, "
                    f"120 {left + width:.1f} Z"
                ),
            }
        )
        left += width
        right += width + GAP
    return bands

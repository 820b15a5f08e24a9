"""Analysts' verdicts as labelled data: confirmed / escalated -> 1, rejected -> 0.

An item reviewed several times (by several classifier versions) counts once, with its latest
verdict; items without text are skipped. Each item is its own group for the cross-validation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from narcowatch.store.db import Database
from narcowatch.store.tables import DetectionRecord, ItemRecord

VERDICT_LABELS = {"confirmed": 1, "escalated": 1, "rejected": 0}


def verdict_rows(db: Database) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    stmt = (
        select(ItemRecord.id, ItemRecord.text, DetectionRecord.status, DetectionRecord.reviewed_at)
        .join(DetectionRecord, DetectionRecord.item_id == ItemRecord.id)
        .where(DetectionRecord.status.in_(list(VERDICT_LABELS)))
        .order_by(DetectionRecord.reviewed_at.asc().nulls_first(), DetectionRecord.id)
    )
    with db.session() as session:
        for item_id, text, status, _ in session.execute(stmt):
            if not text or not text.strip():
                continue
            rows[item_id] = {
                "text": text,
                "label": VERDICT_LABELS[status],
                "lang": "",
                "kind": "verdict",
                "family": f"verdict-{item_id}",
                "split": "train",
            }
    return list(rows.values())

"""Helpers for the pipeline guarantee tests: row counts and duplicate checks over the store."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from narcowatch.runtime import Runtime
from narcowatch.store.tables import (
    DetectionRecord,
    DocumentRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ShopMemberRecord,
    ShopRecord,
)

TABLES = {
    "items": ItemRecord,
    "documents": DocumentRecord,
    "detections": DetectionRecord,
    "indicators": IndicatorRecord,
    "mentions": ItemIndicatorRecord,
    "shops": ShopRecord,
    "shop_members": ShopMemberRecord,
}


def row_counts(session: Session) -> dict[str, int]:
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in TABLES.items()
    }


def natural_key_duplicates(session: Session) -> dict[str, int]:
    """Rows sharing a natural key (the ids are hashes of it, so this must stay at zero)."""
    keys = {
        "items": (ItemRecord.source_id, ItemRecord.external_id),
        "detections": (DetectionRecord.item_id, DetectionRecord.classifier),
        "indicators": (IndicatorRecord.type, IndicatorRecord.value),
        "mentions": (
            ItemIndicatorRecord.item_id,
            ItemIndicatorRecord.indicator_id,
            ItemIndicatorRecord.start,
        ),
        "shop_members": (
            ShopMemberRecord.shop_id,
            ShopMemberRecord.member_type,
            ShopMemberRecord.member_id,
        ),
    }
    out = {}
    for name, cols in keys.items():
        groups = select(*cols).group_by(*cols).having(func.count() > 1).subquery()
        out[name] = session.scalar(select(func.count()).select_from(groups)) or 0
    return out


@pytest.fixture
def counts() -> Callable[[Runtime], dict[str, int]]:
    def _counts(rt: Runtime) -> dict[str, int]:
        with rt.db.session() as s:
            return row_counts(s)

    return _counts


@pytest.fixture
def duplicates() -> Callable[[Runtime], dict[str, int]]:
    def _duplicates(rt: Runtime) -> dict[str, int]:
        with rt.db.session() as s:
            return natural_key_duplicates(s)

    return _duplicates

"""Small factories writing real rows: sources, items, indicators, detections, shops."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.store.tables import (
    DetectionRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ShopMemberRecord,
    ShopRecord,
    SourceRecord,
)


def make_item(
    session: Session,
    external_id: str,
    *,
    url: str | None = None,
    text: str = "",
    indicators: list[tuple[str, str]] = (),  # type: ignore[assignment]
    detected: bool = True,
) -> ItemRecord:
    source_id = make_id("source", "test")
    if session.get(SourceRecord, source_id) is None:
        session.add(SourceRecord(id=source_id, kind="test", name="test"))
        session.flush()
    item = ItemRecord(
        id=make_id("item", external_id),
        source_id=source_id,
        external_id=external_id,
        url=url,
        text=text,
        blob_sha256="0" * 64,
        published_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    session.add(item)
    session.flush()
    for kind, value in indicators:
        ind_id = make_id("indicator", kind, value)
        if session.get(IndicatorRecord, ind_id) is None:
            session.add(
                IndicatorRecord(
                    id=ind_id, type=kind, value=value,
                    first_seen=datetime(2026, 10, 1, tzinfo=UTC),
                )
            )  # fmt: skip
            session.flush()
        session.add(
            ItemIndicatorRecord(
                id=make_id("mention", item.id, ind_id), item_id=item.id, indicator_id=ind_id,
                raw=value, start=0, end=len(value), extractor="test.v1",
            )
        )  # fmt: skip
    if detected:
        session.add(
            DetectionRecord(
                id=make_id("det", item.id), item_id=item.id, classifier="test", label=1,
                score=0.9, created_at=datetime(2026, 10, 2, tzinfo=UTC),
            )
        )  # fmt: skip
    session.flush()
    return item


def make_shop(session: Session, name: str, items: list[ItemRecord]) -> ShopRecord:
    shop = ShopRecord(id=make_id("shop", name), name=name)
    session.add(shop)
    session.flush()
    members: set[tuple[str, str]] = set()
    for item in items:
        members.add(("item", item.id))
        for mention in session.query(ItemIndicatorRecord).filter_by(item_id=item.id):
            members.add(("indicator", mention.indicator_id))
    for kind, member_id in sorted(members):
        session.add(
            ShopMemberRecord(
                id=make_id("member", shop.id, kind, member_id), shop_id=shop.id,
                member_type=kind, member_id=member_id, reason="test",
            )
        )  # fmt: skip
    session.flush()
    return shop

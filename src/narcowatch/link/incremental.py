"""Attach a batch of new positive posts at once: the same rules as ``shops.attach_item``
with a handful of queries per batch instead of several per post.

For imports and catch-up runs (10,000 posts in a few seconds); the pipeline's per-item
``LinkStage`` keeps using ``attach_item``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.link.hubwatch import recheck
from narcowatch.link.rules import LINKING_TYPES
from narcowatch.link.search import index_items
from narcowatch.link.shops import _aware, _max, _min, _shop_name, merge_shops, resolve
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import ItemRecord, ShopMemberRecord, ShopRecord, utcnow
from narcowatch.store.tables_shops import ShopDecisionRecord, ShopHubRecord


def attach_many(
    session: Session, batch: Sequence[tuple[ItemRecord, Sequence[Indicator]]]
) -> list[str | None]:
    """Attach every (post, indicators) of ``batch``; returns each post's shop id."""
    session.flush()
    index_items(session, [item for item, _ in batch])
    wanted = [
        {indicator_id(i.type, i.value): i for i in hits if i.type in LINKING_TYPES and i.valid}
        for _, hits in batch
    ]
    all_ids = sorted({k for w in wanted for k in w})
    hubs = (
        set(
            session.scalars(
                select(ShopHubRecord.indicator_id).where(ShopHubRecord.indicator_id.in_(all_ids))
            )
        )
        if all_ids
        else set()
    )
    owner: dict[str, str] = {}
    if all_ids:
        for sid, member in session.execute(
            select(ShopMemberRecord.shop_id, ShopMemberRecord.member_id).where(
                ShopMemberRecord.member_type == "indicator",
                ShopMemberRecord.member_id.in_(all_ids),
            )
        ):
            owner[member] = sid
    item_ids = [item.id for item, _ in batch]
    already = set(
        session.scalars(
            select(ShopMemberRecord.member_id).where(
                ShopMemberRecord.member_type == "item", ShopMemberRecord.member_id.in_(item_ids)
            )
        )
    )
    splits = session.scalar(
        select(ShopDecisionRecord.id).where(ShopDecisionRecord.kind == "split").limit(1)
    )
    shops: dict[str, ShopRecord] = {}
    rows: list[dict[str, Any]] = []
    result: list[str | None] = []
    suspect: set[str] = set()
    now = utcnow()

    def live(sid: str) -> ShopRecord:
        shop = shops.get(sid) or resolve(session, sid)
        shops[sid] = shops[shop.id] = shop
        return shop if shop.merged_into is None else resolve(session, shop.id)

    for (item, _), linking in zip(batch, wanted, strict=True):
        linking = {k: v for k, v in linking.items() if k not in hubs}
        if not linking:
            result.append(None)
            continue
        touched = {live(owner[k]).id: owner[k] for k in linking if k in owner}
        seen = _aware(item.published_at or item.fetched_at or now)
        if not touched:
            sid = make_id("shop", min(linking))
            shop = session.get(ShopRecord, sid)
            if shop is None:
                shop = ShopRecord(
                    id=sid,
                    name=_shop_name(list(linking.values())),
                    first_seen=seen,
                    last_seen=seen,
                    meta={"size": 0},
                )
                session.add(shop)
            shop = shops[sid] = shop if shop.merged_into is None else live(sid)
        else:
            ordered = sorted(
                (shops[s] for s in touched), key=lambda s: (-int(s.meta.get("size", 0)), s.id)
            )
            shop = ordered[0]
            for other in ordered[1:]:
                if splits is not None:  # analysts split shops: no bulk merges; relink decides
                    continue
                session.flush()
                if rows:
                    session.execute(insert(ShopMemberRecord), rows)
                    rows.clear()
                if merge_shops(
                    session,
                    shop,
                    other,
                    reason=f"item {item.id} shares indicators",
                    via=sorted(linking),
                ):
                    suspect.add(shop.id)
        for k, ind in linking.items():
            if k not in owner:
                owner[k] = shop.id
                rows.append(_member(shop.id, "indicator", k, f"{ind.type}:{ind.value}", now))
        if item.id not in already:
            already.add(item.id)
            reason = ", ".join(sorted(f"{i.type}:{i.value}" for i in linking.values()))
            rows.append(_member(shop.id, "item", item.id, reason, now))
            shop.meta = {**shop.meta, "size": int(shop.meta.get("size", 0)) + 1}
        shop.first_seen = _min(shop.first_seen, seen)
        shop.last_seen = _max(shop.last_seen, seen)
        result.append(shop.id)
    session.flush()
    if rows:
        session.execute(insert(ShopMemberRecord), rows)
    if suspect:
        result = _recheck(session, suspect, item_ids, result)
    return result


def _recheck(
    session: Session, suspect: set[str], item_ids: list[str], result: list[str | None]
) -> list[str | None]:
    """Re-test the shops an indicator bridged too often (``link.hubwatch``); posts of
    shops cut back get their new shop ids."""
    touched: set[str] = set()
    for sid in sorted(suspect):
        shop = resolve(session, sid)
        if shop.id not in touched:
            touched.update(recheck(session, shop))
    moved = [i for i, sid in zip(item_ids, result, strict=True) if sid is not None]
    now: dict[str, str] = {}
    for start in range(0, len(moved), 5000):
        now.update(
            session.execute(
                select(ShopMemberRecord.member_id, ShopMemberRecord.shop_id).where(
                    ShopMemberRecord.member_type == "item",
                    ShopMemberRecord.member_id.in_(moved[start : start + 5000]),
                )
            ).all()
        )
    return [
        now.get(i) if sid is not None else None for i, sid in zip(item_ids, result, strict=True)
    ]


def _member(shop_id: str, kind: str, member_id: str, reason: str, now: Any) -> dict[str, Any]:
    return {
        "id": make_id("member", shop_id, kind, member_id),
        "shop_id": shop_id,
        "member_type": kind,
        "member_id": member_id,
        "reason": reason,
        "manual": False,
        "created_at": now,
    }

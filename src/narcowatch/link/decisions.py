"""Analysts' merge, split, hub and name decisions: applied at once and replayed by relink.

A decision names items and indicators (never shop ids), so it still means the same after
a full recompute. Every decision is written to the audit log.
"""

from __future__ import annotations

import itertools

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from narcowatch.errors import StoreError
from narcowatch.ids import make_id
from narcowatch.link.cluster import LinkInput
from narcowatch.link.shops import merge_shops, resolve
from narcowatch.security import audit
from narcowatch.store.tables import IndicatorRecord, ShopMemberRecord, ShopRecord, utcnow
from narcowatch.store.tables_shops import ShopDecisionRecord, ShopHubRecord


def _shop(session: Session, shop_id: str) -> ShopRecord:
    shop = session.get(ShopRecord, shop_id)
    if shop is None:
        raise StoreError(f"shop {shop_id} does not exist", code="E460", shop=shop_id)
    return resolve(session, shop.id)


def _members(session: Session, shop_id: str) -> list[tuple[str, str]]:
    rows = session.execute(
        select(ShopMemberRecord.member_type, ShopMemberRecord.member_id).where(
            ShopMemberRecord.shop_id == shop_id
        )
    )
    return sorted((kind, member) for kind, member in rows)


def anchor(session: Session, shop_id: str) -> tuple[str, str]:
    """A member that stands for the shop: its first indicator, else its first item."""
    members = _members(session, shop_id)
    if not members:
        raise StoreError(f"shop {shop_id} has no members", code="E461", shop=shop_id)
    return members[0]


def _decide(
    session: Session, kind: str, a: tuple[str, str], b: tuple[str, str] | None, **extra: str
) -> ShopDecisionRecord:
    rec = ShopDecisionRecord(
        id=make_id("shop-decision", kind, a, b, utcnow().isoformat()),
        kind=kind,
        a_type=a[0],
        a_id=a[1],
        b_type=b[0] if b else None,
        b_id=b[1] if b else None,
        value=extra.get("value", ""),
        reason=extra.get("reason", ""),
        actor=extra["actor"],
        active=True,
    )
    session.add(rec)
    return rec


def merge(session: Session, actor: str, keep_id: str, other_id: str, reason: str = "") -> str:
    keep, other = _shop(session, keep_id), _shop(session, other_id)
    if keep.id == other.id:
        raise StoreError("a shop cannot be merged with itself", code="E462", shop=keep.id)
    _decide(
        session,
        "merge",
        anchor(session, keep.id),
        anchor(session, other.id),
        actor=actor,
        reason=reason,
    )
    merge_shops(session, keep, other, reason=f"analyst {actor}: {reason}".strip())
    audit.record(
        session,
        actor=actor,
        action="shop.merge",
        target_type="shop",
        target_id=keep.id,
        details={"merged": other.id, "reason": reason},
    )
    return keep.id


def split(
    session: Session, actor: str, shop_id: str, member_ids: list[str], reason: str = ""
) -> str:
    """Move ``member_ids`` (items/indicators of the shop) into a new shop, for good."""
    shop = _shop(session, shop_id)
    members = _members(session, shop.id)
    moving = [m for m in members if m[1] in set(member_ids)]
    staying = [m for m in members if m[1] not in set(member_ids)]
    if not moving or not staying:
        raise StoreError("choose some, but not all, members of the shop to split off", code="E463")
    new_id = make_id("shop", "split", moving[0][1])
    _decide(session, "split", moving[0], staying[0], actor=actor, reason=reason)
    for a, b in itertools.pairwise(moving):
        _decide(session, "merge", a, b, actor=actor, reason=f"split group: {reason}")
    now = utcnow()
    if session.get(ShopRecord, new_id) is None:
        session.add(
            ShopRecord(
                id=new_id,
                name=f"{shop.name} (split)"[:300],
                first_seen=shop.first_seen,
                last_seen=shop.last_seen,
                meta={"split_from": shop.id, "reason": reason},
                created_at=now,
            )
        )
        session.flush()
    session.execute(
        update(ShopMemberRecord)
        .where(
            ShopMemberRecord.shop_id == shop.id,
            ShopMemberRecord.member_id.in_([m[1] for m in moving]),
        )
        .values(shop_id=new_id, manual=True, reason=f"split by {actor}: {reason}".strip())
    )
    audit.record(
        session,
        actor=actor,
        action="shop.split",
        target_type="shop",
        target_id=shop.id,
        details={"new_shop": new_id, "members": [m[1] for m in moving], "reason": reason},
    )
    return new_id


def mark_hub(session: Session, actor: str, indicator_id: str, reason: str) -> None:
    """An indicator that must never link shops (a police bot, an exchange, a service)."""
    ind = session.get(IndicatorRecord, indicator_id)
    if ind is None:
        raise StoreError(f"indicator {indicator_id} does not exist", code="E464")
    hub = session.get(ShopHubRecord, indicator_id)
    if hub is None:
        session.add(ShopHubRecord(indicator_id=indicator_id, reason=reason, manual=True))
    else:
        hub.manual, hub.reason = True, reason
    _decide(session, "hub", ("indicator", indicator_id), None, actor=actor, reason=reason)
    audit.record(
        session,
        actor=actor,
        action="shop.hub",
        target_type="indicator",
        target_id=indicator_id,
        details={"value": f"{ind.type}:{ind.value}", "reason": reason},
    )


def rename(session: Session, actor: str, shop_id: str, name: str) -> None:
    name = name.strip()
    if not name or len(name) > 300:
        raise StoreError("a shop name has 1 to 300 characters", code="E465")
    shop = _shop(session, shop_id)
    _decide(session, "name", anchor(session, shop.id), None, actor=actor, value=name)
    old, shop.name = shop.name, name
    shop.meta = {**shop.meta, "named_by": actor}
    audit.record(
        session,
        actor=actor,
        action="shop.rename",
        target_type="shop",
        target_id=shop.id,
        details={"old": old, "new": name},
    )


def _active(session: Session, kind: str) -> list[ShopDecisionRecord]:
    return list(
        session.scalars(
            select(ShopDecisionRecord)
            .where(ShopDecisionRecord.kind == kind, ShopDecisionRecord.active.is_(True))
            .order_by(ShopDecisionRecord.created_at)
        )
    )


def apply_to(session: Session, data: LinkInput) -> None:
    """Add the analysts' merges and splits to a relink's input."""
    for d in _active(session, "merge"):
        if d.b_id:
            data.must_link.append((d.a_id, d.b_id, f"analyst {d.actor}: {d.reason}".strip()))
    for d in _active(session, "split"):
        if d.b_id:
            data.cannot_link.append((d.a_id, d.b_id))


def names(session: Session) -> dict[str, str]:
    """Member id -> the name an analyst gave its shop (latest decision wins)."""
    return {d.a_id: d.value for d in _active(session, "name")}

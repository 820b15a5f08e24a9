"""Incremental shop linking: a new positive item attaches to the shops its linking
indicators already belong to, without recomputing anything.

Hubs (indicators ``relink`` or an analyst marked as shared by unrelated shops) never link;
an item that touches several shops merges them unless an analyst's split forbids it, and
the merge keeps its reason. ``narcowatch shops relink`` recomputes everything with the
same rules (plus near-identical ads) and replays manual decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session

from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.link.rules import LINKING_TYPES
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import ItemRecord, ShopMemberRecord, ShopRecord, utcnow
from narcowatch.store.tables_shops import ShopDecisionRecord, ShopHubRecord

#: kept for callers of the first linker
STRONG_TYPES = LINKING_TYPES
MAX_MERGES_KEPT = 50
HUB_MARK = "-hub-"


def resolve(
    session: Session, shop_id: str, held: dict[str, ShopRecord] | None = None
) -> ShopRecord:
    """Follow ``merged_into`` to the surviving shop.

    ``held`` keeps the shops read on the way: the session's identity map holds clean rows
    only weakly, so a batch that resolves the same shops for every post would otherwise
    read them again each time."""
    shop = session.get(ShopRecord, shop_id)
    assert shop is not None, shop_id
    seen = {shop.id}
    while shop.merged_into and shop.merged_into not in seen:
        nxt = session.get(ShopRecord, shop.merged_into)
        assert nxt is not None
        seen.add(nxt.id)
        if held is not None:
            held[shop.id] = shop
        shop = nxt
    if held is not None:
        held[shop.id] = shop
    return shop


def linking_of(hits: Sequence[Indicator]) -> dict[str, Indicator]:
    """The valid indicators of a post that link shops, by indicator id."""
    return {
        indicator_id(ind.type, ind.value): ind
        for ind in hits
        if ind.type in LINKING_TYPES and ind.valid
    }


def owner_rows(session: Session, members: list[str], indicators: list[str]) -> list[Any]:
    """One round trip: (shop id, member id) of ``members`` that belong to a shop, and
    (``HUB_MARK``, id) of the ``indicators`` that are hubs. Ids are hashes of distinct
    namespaces, so no type filter is needed."""
    with session.no_autoflush:
        return list(
            session.execute(
                select(ShopMemberRecord.shop_id, ShopMemberRecord.member_id)
                .where(ShopMemberRecord.member_id.in_(members))
                .union_all(
                    select(literal(HUB_MARK), ShopHubRecord.indicator_id).where(
                        ShopHubRecord.indicator_id.in_(indicators)
                    )
                )
            ).all()
        )


def member_row(
    shop_id: str, kind: str, member_id: str, reason: str, now: datetime | None = None
) -> dict[str, Any]:
    """The columns of one membership (its id is derived, so a re-run is an upsert)."""
    return {
        "id": make_id("member", shop_id, kind, member_id),
        "shop_id": shop_id,
        "member_type": kind,
        "member_id": member_id,
        "reason": reason,
        "manual": False,
        "created_at": now or utcnow(),
    }


def new_shop(linking: dict[str, Indicator], seen: datetime) -> ShopRecord:
    """The shop a post with only unknown indicators founds (id from its first indicator)."""
    return ShopRecord(
        id=make_id("shop", min(linking)),
        name=_shop_name(list(linking.values())),
        first_seen=seen,
        last_seen=seen,
        meta={"size": 0},
    )


def count_post(shop: ShopRecord, seen: datetime) -> None:
    """One more post in ``shop``, seen at ``seen``."""
    shop.meta = {**shop.meta, "size": int(shop.meta.get("size", 0)) + 1}
    shop.first_seen = _min(shop.first_seen, seen)
    shop.last_seen = _max(shop.last_seen, seen)


def _add_member(
    session: Session, shop_id: str, kind: str, member_id: str, reason: str, *, check: bool = True
) -> None:
    row = member_row(shop_id, kind, member_id, reason)
    if not check or session.get(ShopMemberRecord, row["id"]) is None:
        session.add(ShopMemberRecord(**row))


def merge_shops(
    session: Session, keep: ShopRecord, other: ShopRecord, reason: str, via: Sequence[str] = ()
) -> bool:
    """Move ``other``'s members into ``keep`` and mark ``other`` merged (history kept).

    ``via``: the indicators of the post that bridged them (incremental merges); True when
    one of them has bridged enough shops to be re-tested as a hub (``link.hubwatch``)."""
    from narcowatch.link.hubwatch import count_bridges

    crossed = count_bridges(keep, other, via)
    session.flush()
    session.execute(
        update(ShopMemberRecord).where(ShopMemberRecord.shop_id == other.id).values(shop_id=keep.id)
    )
    other.merged_into = keep.id
    other.status = "merged"
    merges = [*keep.meta.get("merges", []), f"{other.name} ({other.id}): {reason}"]
    keep.meta = {
        **keep.meta,
        "merges": merges[-MAX_MERGES_KEPT:],
        "size": int(keep.meta.get("size", 0)) + int(other.meta.get("size", 0)),
    }
    keep.first_seen = _min(keep.first_seen, other.first_seen)
    keep.last_seen = _max(keep.last_seen, other.last_seen)
    return crossed


def _forbidden(session: Session, members: set[str]) -> set[str]:
    """Members an analyst split away from any of ``members``."""
    rows = session.execute(
        select(ShopDecisionRecord.a_id, ShopDecisionRecord.b_id).where(
            ShopDecisionRecord.kind == "split",
            ShopDecisionRecord.active.is_(True),
        )
    )
    out: set[str] = set()
    for a, b in rows:
        if a in members and b:
            out.add(b)
        if b in members:
            out.add(a)
    return out


def attach_item(
    session: Session, item: ItemRecord, hits: Sequence[Indicator], *, index: bool = True
) -> str | None:
    """Attach a positive item to the shop of its linking indicators; returns the shop id.

    The post also becomes searchable (``link.search``) unless ``index`` is False (the
    caller indexed it already)."""
    from narcowatch.link.search import index_item  # search imports this module's tables

    if index:
        index_item(session, item)
    linking = linking_of(hits)
    if not linking:
        return None
    session.flush()
    rows = owner_rows(session, [*linking, item.id], list(linking))
    hubs = {member for sid, member in rows if sid == HUB_MARK}
    is_member = any(member == item.id for _, member in rows)
    linking = {k: v for k, v in linking.items() if k not in hubs}
    if not linking:
        return None
    owners = [(sid, member) for sid, member in rows if sid != HUB_MARK and member in linking]
    shops: dict[str, ShopRecord] = {}
    via: dict[str, str] = {}
    for sid, member in owners:
        shop = resolve(session, sid)
        shops[shop.id] = shop
        via.setdefault(shop.id, member)
    seen = _aware(item.published_at or item.fetched_at or utcnow())
    recheck = False
    if not shops:
        found = session.get(ShopRecord, make_id("shop", min(linking)))
        if found is None:
            shop = new_shop(linking, seen)
            session.add(shop)
            session.flush()
        else:
            shop = resolve(session, found.id)
    else:
        ordered = sorted(shops.values(), key=lambda s: (-int(s.meta.get("size", 0)), s.id))
        shop = ordered[0]
        for other in ordered[1:]:
            if _forbidden(session, {shop.id, via[shop.id]}) & {via[other.id]} or _forbidden(
                session, {via[other.id]}
            ) & {via[shop.id]}:
                continue  # an analyst split these apart
            label = linking[via[other.id]]
            recheck |= merge_shops(
                session,
                shop,
                other,
                reason=f"item {item.id} shares {label.type}:{label.value}",
                via=sorted(linking),
            )
    owned = {member for _, member in owners}
    for iid, ind in linking.items():
        if iid not in owned:  # owned ones are members already: no need to look
            _add_member(session, shop.id, "indicator", iid, f"{ind.type}:{ind.value}", check=False)
    _add_member(
        session,
        shop.id,
        "item",
        item.id,
        ", ".join(sorted(f"{i.type}:{i.value}" for i in linking.values())),
        check=is_member,  # a re-processed post: look for its row in this shop
    )
    count_post(shop, seen)
    if not recheck:
        return shop.id
    from narcowatch.link.hubwatch import recheck as recheck_shop

    recheck_shop(session, shop)
    return session.scalar(
        select(ShopMemberRecord.shop_id).where(
            ShopMemberRecord.member_type == "item", ShopMemberRecord.member_id == item.id
        )
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return min(_aware(a), _aware(b))


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(_aware(a), _aware(b))


def _shop_name(strong: Sequence[Indicator]) -> str:
    handles = sorted(i.value for i in strong if i.type == "telegram")
    people = [h for h in handles if not h.lower().endswith("bot")]
    if people or handles:
        return "@" + (people or handles)[0]
    return sorted(i.value for i in strong)[0][:300]

"""Full recompute of every shop: load evidence with a few SQL queries, cluster in memory,
write shops and members back in bulk. Analysts' decisions are replayed, so they survive.

Shop ids stay stable: a new cluster keeps the id of the old shop that held most of its
items; old shops that lost everything point at the cluster that took their items.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.link import decisions
from narcowatch.link.cluster import LinkInput, LinkResult, cluster
from narcowatch.link.neardup import near_duplicates
from narcowatch.link.rules import HUB_TAG_CATEGORIES, LINKING_TYPES, WALLET_TYPES
from narcowatch.store.tables import (
    DetectionRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ShopMemberRecord,
    ShopRecord,
    utcnow,
)
from narcowatch.store.tables_shops import ShopHubRecord
from narcowatch.store.tables_trace import AddressTagRecord

log = logging.getLogger(__name__)
CHUNK = 5000
REPRESENTATIVES = 3  # items per indicator compared for near-duplicates


@dataclass
class RelinkReport:
    items: int
    mentions: int
    shops: int
    hubs: int
    near_dups: int
    refused: int
    seconds: dict[str, float]


def positive_items(session: Session) -> Any:
    return (
        select(DetectionRecord.item_id)
        .where(DetectionRecord.label == 1, DetectionRecord.status != "rejected")
        .distinct()
    )


def load_input(session: Session, *, with_near_dups: bool = True) -> LinkInput:
    items = list(session.scalars(positive_items(session)))
    rows = session.execute(
        select(ItemIndicatorRecord.item_id, ItemIndicatorRecord.indicator_id)
        .join(IndicatorRecord, IndicatorRecord.id == ItemIndicatorRecord.indicator_id)
        .where(
            IndicatorRecord.type.in_(sorted(LINKING_TYPES)),
            IndicatorRecord.valid.is_(True),
            ItemIndicatorRecord.item_id.in_(positive_items(session)),
        )
        .distinct()
    ).all()
    mentions = [(r[0], r[1]) for r in rows]
    labels: dict[str, str] = {}
    wallets: dict[str, str] = {}
    for iid, type_, value in session.execute(
        select(IndicatorRecord.id, IndicatorRecord.type, IndicatorRecord.value).where(
            IndicatorRecord.id.in_(select(ItemIndicatorRecord.indicator_id).distinct()),
            IndicatorRecord.type.in_(sorted(LINKING_TYPES)),
        )
    ):
        labels[iid] = f"{type_}:{value}"
        if type_ in WALLET_TYPES:
            wallets[value] = iid
    data = LinkInput(mentions=mentions, indicator_label=labels, items=items)
    data.hubs = tagged_hubs(session, wallets)
    decisions.apply_to(session, data)
    if with_near_dups:
        data.near_dups = _near_dups(session, data)
    return data


def tagged_hubs(session: Session, wallets: dict[str, str]) -> dict[str, str]:
    """Wallets that trace tags as exchanges and other services, and manual hubs."""
    hubs = {
        h.indicator_id: h.reason
        for h in session.scalars(select(ShopHubRecord).where(ShopHubRecord.manual.is_(True)))
    }
    if wallets:
        for address, category, label in session.execute(
            select(
                AddressTagRecord.address, AddressTagRecord.category, AddressTagRecord.label
            ).where(AddressTagRecord.category.in_(sorted(HUB_TAG_CATEGORIES)))
        ):
            iid = wallets.get(address)
            if iid:
                hubs.setdefault(iid, f"tagged {category}: {label}")
    return hubs


def _near_dups(session: Session, data: LinkInput) -> list[tuple[str, str]]:
    with_ind = {item for item, _ in data.mentions}
    chosen = set(data.items) - with_ind
    per_ind: dict[str, int] = defaultdict(int)
    for item, ind in data.mentions:
        if per_ind[ind] < REPRESENTATIVES:
            per_ind[ind] += 1
            chosen.add(item)
    ids = sorted(chosen)
    texts: list[tuple[str, str]] = []
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(ItemRecord.id, ItemRecord.text).where(
                ItemRecord.id.in_(ids[start : start + CHUNK])
            )
        )
        texts += [(item_id, text) for item_id, text in rows]
    texts.sort(key=lambda kv: (kv[0] in with_ind) is False)  # shop items first
    return near_duplicates(texts)


def relink(session: Session, *, with_near_dups: bool = True) -> RelinkReport:
    """Recompute every shop from the stored evidence (one transaction)."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    data = load_input(session, with_near_dups=with_near_dups)
    times["load"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = cluster(data)
    times["cluster"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    shops = persist(session, data, result)
    times["write"] = time.perf_counter() - t2
    log.info("relink: %d shops from %d items in %.1fs", shops, len(data.items), sum(times.values()))
    return RelinkReport(
        items=len(data.items),
        mentions=len(data.mentions),
        shops=shops,
        hubs=len(result.hubs),
        near_dups=len(data.near_dups),
        refused=len(result.refused),
        seconds=times,
    )


def persist(session: Session, data: LinkInput, result: LinkResult) -> int:
    labels = data.indicator_label
    old_item_shop = _old_membership(session)
    old_shops = {s.id: s for s in session.scalars(select(ShopRecord))}
    names = decisions.names(session)
    claimed: set[str] = set()
    rows: list[dict[str, Any]] = []
    now = utcnow()
    shop_of_old: dict[str, Counter[str]] = defaultdict(Counter)
    new_shops: list[dict[str, Any]] = []
    for index, members in enumerate(result.clusters):
        items = [m for m in members if m not in labels]
        inds = [m for m in members if m in labels]
        votes = Counter(old_item_shop[i] for i in items if i in old_item_shop)
        sid = next((s for s, _ in votes.most_common() if s not in claimed), None)
        if sid is None:
            anchor = min(inds) if inds else min(items)
            sid = make_id("shop", anchor)
            while sid in claimed:
                sid = make_id("shop", sid)
        claimed.add(sid)
        for prev, n in votes.items():
            shop_of_old[prev][sid] += n
        name = next((names[m] for m in members if m in names), None)
        if name is None and sid in old_shops and old_shops[sid].meta.get("named_by"):
            name = old_shops[sid].name
        new_shops.append(
            {
                "id": sid,
                "name": (name or _derive_name(inds, labels))[:300],
                "merges": result.merges.get(index, [])[:50],
                "size": len(items),
            }
        )
        rows += [
            {
                "id": make_id("member", sid, "indicator", m),
                "shop_id": sid,
                "member_type": "indicator",
                "member_id": m,
                "reason": labels[m],
                "manual": False,
                "created_at": now,
            }
            for m in inds
        ]
        rows += [
            {
                "id": make_id("member", sid, "item", m),
                "shop_id": sid,
                "member_type": "item",
                "member_id": m,
                "reason": result.item_reason.get(m, "analyst merge"),
                "manual": m not in result.item_reason,
                "created_at": now,
            }
            for m in items
        ]
    session.execute(delete(ShopMemberRecord))
    for shop in new_shops:
        meta = {"merges": shop["merges"], "size": shop["size"], "relinked_at": now.isoformat()}
        old = old_shops.get(shop["id"])
        if old is None:
            session.add(ShopRecord(id=shop["id"], name=shop["name"], meta=meta, status="active"))
        else:
            keep = {k: v for k, v in old.meta.items() if k in ("named_by", "history")}
            old.name, old.meta, old.merged_into = shop["name"], {**meta, **keep}, None
            if old.status in ("merged", "dissolved"):
                old.status = "active"
    for sid, old in old_shops.items():
        if sid in claimed:
            continue
        target = shop_of_old[sid].most_common(1)
        old.merged_into = target[0][0] if target else None
        old.status = "merged" if target else "dissolved"
    session.flush()
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(ShopMemberRecord), rows[start : start + CHUNK])
    session.execute(delete(ShopHubRecord).where(ShopHubRecord.manual.is_(False)))
    manual_hubs = set(session.scalars(select(ShopHubRecord.indicator_id)))
    hub_rows = [
        {"indicator_id": k, "reason": r, "clusters": n, "manual": False, "created_at": now}
        for k, (r, n) in result.hubs.items()
        if k not in manual_hubs
    ]
    for start in range(0, len(hub_rows), CHUNK):
        session.execute(insert(ShopHubRecord), hub_rows[start : start + CHUNK])
    refresh_seen(session)
    return len(new_shops)


def refresh_seen(session: Session, shop_ids: list[str] | None = None) -> None:
    """first_seen/last_seen of shops from their items (one aggregate query)."""
    from sqlalchemy import func

    seen = func.coalesce(ItemRecord.published_at, ItemRecord.fetched_at)
    query = (
        select(ShopMemberRecord.shop_id, func.min(seen), func.max(seen))
        .join(ItemRecord, ItemRecord.id == ShopMemberRecord.member_id)
        .where(ShopMemberRecord.member_type == "item")
        .group_by(ShopMemberRecord.shop_id)
    )
    if shop_ids is not None:
        query = query.where(ShopMemberRecord.shop_id.in_(shop_ids))
    values = [{"sid": s, "first": _dt(a), "last": _dt(b)} for s, a, b in session.execute(query)]
    for v in values:
        session.execute(
            update(ShopRecord)
            .where(ShopRecord.id == v["sid"])
            .values(first_seen=v["first"], last_seen=v["last"])
        )


def _dt(value: Any) -> datetime | None:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value  # type: ignore[no-any-return]


def _old_membership(session: Session) -> dict[str, str]:
    rows = session.execute(
        select(ShopMemberRecord.member_id, ShopMemberRecord.shop_id).where(
            ShopMemberRecord.member_type == "item"
        )
    )
    return {member: shop for member, shop in rows}


def _derive_name(inds: list[str], labels: dict[str, str]) -> str:
    """The operator's handle if there is one, else a bot, else any indicator."""
    values = sorted(labels[i] for i in inds)
    handles = [v.split(":", 1)[1] for v in values if v.startswith("telegram:")]
    people = [h for h in handles if not h.lower().endswith("bot")]
    if people or handles:
        return "@" + (people or handles)[0]
    return values[0].split(":", 1)[1] if values else "shop"

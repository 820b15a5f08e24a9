"""Full recompute of every shop: load evidence with a few SQL queries, cluster in memory,
write shops and members back in bulk. Analysts' decisions are replayed, so they survive.

Shop ids stay stable: a new cluster keeps the id of the old shop that held most of its
items; old shops that lost everything point at the cluster that took their items.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.link import decisions
from narcowatch.link.bulk import big_cache, insert_rows
from narcowatch.link.cluster import LinkInput, LinkResult, cluster
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
STREAM = 50_000  # rows per fetch when streaming the evidence
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
    items = list(session.scalars(positive_items(session).execution_options(yield_per=STREAM)))
    labels: dict[str, str] = {}
    wallets: dict[str, str] = {}
    linking = sorted(LINKING_TYPES)
    for iid, type_, value in session.execute(
        select(IndicatorRecord.id, IndicatorRecord.type, IndicatorRecord.value)
        .where(IndicatorRecord.type.in_(linking), IndicatorRecord.valid.is_(True))
        .execution_options(yield_per=STREAM)
    ):
        labels[iid] = f"{type_}:{value}"
        if type_ in WALLET_TYPES:
            wallets[value] = iid
    # One sequential scan of the mentions, joined and de-duplicated here: per-row index
    # lookups into indicators and detections cost ~20 us a row on SQLite. Ids are interned
    # (one string object per post and indicator) to keep millions of mentions small.
    item_of = {i: i for i in items}
    ind_of = {i: i for i in labels}
    seen: set[tuple[str, str]] = set()
    mentions: list[tuple[str, str]] = []
    table = ItemIndicatorRecord.__table__
    rows = session.execute(
        select(table.c.item_id, table.c.indicator_id).execution_options(yield_per=STREAM)
    )
    for part in rows.partitions():
        for item, ind in part:
            key = (item_of.get(item), ind_of.get(ind))
            if key[0] is not None and key[1] is not None and key not in seen:
                seen.add(key)  # type: ignore[arg-type]
                mentions.append(key)  # type: ignore[arg-type]
    del item_of, ind_of, seen
    data = LinkInput(mentions=mentions, indicator_label=labels, items=items)
    decisions.apply_to(session, data)
    used = {ind for _, ind in mentions}
    used.update(x for a, b, _ in data.must_link for x in (a, b))
    used.update(x for pair in data.cannot_link for x in pair)
    data.indicator_label = {k: v for k, v in labels.items() if k in used}
    data.hubs = tagged_hubs(session, {v: k for v, k in wallets.items() if k in used})
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
    from narcowatch.link.neardup import near_duplicates  # datasketch takes seconds to import

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


MEMBER_COLUMNS = ("id", "shop_id", "member_type", "member_id", "reason", "manual", "created_at")


def persist(session: Session, data: LinkInput, result: LinkResult) -> int:
    labels = data.indicator_label
    big_cache(session)
    old_item_shop = _old_membership(session)
    old_shops = {s.id: s for s in session.scalars(select(ShopRecord))}
    names = decisions.names(session)
    claimed: set[str] = set()
    now = utcnow()
    shop_of_old: dict[str, Counter[str]] = defaultdict(Counter)
    new_shops: list[dict[str, Any]] = []
    shop_ids: list[str] = []
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
        shop_ids.append(sid)
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
    del old_item_shop
    session.execute(delete(ShopMemberRecord))
    fresh: list[dict[str, Any]] = []
    for shop in new_shops:
        meta = {"merges": shop["merges"], "size": shop["size"], "relinked_at": now.isoformat()}
        old = old_shops.get(shop["id"])
        if old is None:
            fresh.append(
                {
                    "id": shop["id"],
                    "name": shop["name"],
                    "meta": meta,
                    "status": "active",
                    "created_at": now,
                }
            )
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
    for start in range(0, len(fresh), CHUNK):
        session.execute(insert(ShopRecord.__table__), fresh[start : start + CHUNK])
    insert_rows(
        session,
        ShopMemberRecord.__table__,  # type: ignore[arg-type]
        MEMBER_COLUMNS,
        _member_rows(result, shop_ids, labels, now),
    )
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


def _member_rows(
    result: LinkResult, shop_ids: list[str], labels: dict[str, str], now: datetime
) -> Iterator[tuple[Any, ...]]:
    """Member rows as plain tuples in ``MEMBER_COLUMNS`` order, generated as written."""
    reasons = result.item_reason
    for sid, members in zip(shop_ids, result.clusters, strict=True):
        for m in members:
            label = labels.get(m)
            if label is not None:
                yield make_id("member", sid, "indicator", m), sid, "indicator", m, label, False, now
            else:
                reason = reasons.get(m)
                yield (
                    make_id("member", sid, "item", m),
                    sid,
                    "item",
                    m,
                    reason or "analyst merge",
                    reason is None,
                    now,
                )


def refresh_seen(session: Session, shop_ids: list[str] | None = None) -> None:
    """first_seen/last_seen of shops from their items: one aggregate query, one
    executemany of plain UPDATEs (no ORM evaluation against the identity map)."""
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
    table = ShopRecord.__table__
    for start in range(0, len(values), CHUNK):
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("sid"))
            .values(first_seen=bindparam("first"), last_seen=bindparam("last")),
            values[start : start + CHUNK],
        )
    for shop in list(session.identity_map.values()):
        if isinstance(shop, ShopRecord):
            session.expire(shop, ["first_seen", "last_seen"])


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

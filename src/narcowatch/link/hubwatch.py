"""Hubs found between relinks: when the per-post path merges shops through an indicator
often enough that it could be a hub, re-cluster that one shop with the relink rules.

Every incremental merge counts, on the surviving shop, the indicators of the post that
bridged it (``meta["bridges"]``). Once an indicator has bridged ``min_clusters - 1``
merges (it now touches ``min_clusters`` former shops), the shop's own posts are clustered
again in memory (``cluster.cluster``: the same two-step hub test as ``relink``, the
analysts' merges and splits among these posts replayed, manual hubs kept). If that finds
a hub, its row is stored and the shop is cut back into the clusters that remain: the
biggest keeps the id, the others revive the shop that was merged away when it still
exists (``make_id("shop", indicator)``), else get a new one. Posts left with no linking
evidence leave the shop, as after a relink.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.link import decisions
from narcowatch.link.cluster import LinkInput, LinkResult, cluster
from narcowatch.link.relink import _derive_name, refresh_seen
from narcowatch.link.rules import LINKING_TYPES, HubRule
from narcowatch.store.tables import (
    IndicatorRecord,
    ItemIndicatorRecord,
    ShopMemberRecord,
    ShopRecord,
    utcnow,
)
from narcowatch.store.tables_shops import ShopHubRecord

log = logging.getLogger(__name__)
CHUNK = 5000


def count_bridges(keep: ShopRecord, other: ShopRecord, via: Iterable[str]) -> bool:
    """Record a merge of ``other`` into ``keep`` through ``via``; True when one of them
    has now bridged enough shops to be re-tested as a hub."""
    bridges: dict[str, int] = dict(keep.meta.get("bridges", {}))
    for k, n in other.meta.get("bridges", {}).items():
        bridges[k] = bridges.get(k, 0) + int(n)
    crossed = False
    for k in via:
        bridges[k] = bridges.get(k, 0) + 1
        crossed |= bridges[k] >= HubRule().min_clusters - 1
    keep.meta = {**keep.meta, "bridges": bridges}
    return crossed


def recheck(session: Session, shop: ShopRecord, rule: HubRule | None = None) -> list[str]:
    """Re-cluster ``shop``'s posts; returns the ids of the shops it now is (first: its own)."""
    session.flush()
    members = list(
        session.execute(
            select(ShopMemberRecord.member_type, ShopMemberRecord.member_id).where(
                ShopMemberRecord.shop_id == shop.id
            )
        )
    )
    items = [m for kind, m in members if kind == "item"]
    data = _input(session, items)
    result = cluster(data, rule)
    known = set(data.hubs)
    new_hubs = {k: v for k, v in result.hubs.items() if k not in known}
    if not new_hubs:
        return [shop.id]
    now = utcnow()
    for k, (reason, n) in new_hubs.items():
        session.merge(
            ShopHubRecord(
                indicator_id=k,
                reason=f"{reason} (seen by the per-post path)",
                clusters=n,
                manual=False,
                created_at=now,
            )
        )
    log.info("shop %s: new hub(s) %s, cutting it back", shop.id, sorted(new_hubs))
    return _cut(session, shop, data, result, [kind_id[1] for kind_id in members], new_hubs)


def _input(session: Session, items: list[str]) -> LinkInput:
    """The shop's posts and their linking mentions, known hubs, and the analysts' merges
    and splits whose both ends lie among them."""
    mentions: list[tuple[str, str]] = []
    labels: dict[str, str] = {}
    for start in range(0, len(items), CHUNK):
        rows = session.execute(
            select(
                ItemIndicatorRecord.item_id,
                IndicatorRecord.id,
                IndicatorRecord.type,
                IndicatorRecord.value,
            )
            .join(IndicatorRecord, IndicatorRecord.id == ItemIndicatorRecord.indicator_id)
            .where(
                ItemIndicatorRecord.item_id.in_(items[start : start + CHUNK]),
                IndicatorRecord.type.in_(sorted(LINKING_TYPES)),
                IndicatorRecord.valid.is_(True),
            )
            .distinct()
        )
        for item, ind, type_, value in rows:
            mentions.append((item, ind))
            labels[ind] = f"{type_}:{value}"
    data = LinkInput(mentions=mentions, indicator_label=labels, items=items)
    ids = list(labels)
    hubs: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        for k, reason in session.execute(
            select(ShopHubRecord.indicator_id, ShopHubRecord.reason).where(
                ShopHubRecord.indicator_id.in_(ids[start : start + CHUNK])
            )
        ):
            hubs[k] = reason
    data.hubs = hubs
    everything = LinkInput(mentions=[], indicator_label={})
    decisions.apply_to(session, everything)
    inside = set(items) | set(labels)
    data.must_link = [d for d in everything.must_link if d[0] in inside and d[1] in inside]
    data.cannot_link = [d for d in everything.cannot_link if d[0] in inside and d[1] in inside]
    return data


def _cut(
    session: Session,
    shop: ShopRecord,
    data: LinkInput,
    result: LinkResult,
    old_members: list[str],
    new_hubs: dict[str, tuple[str, int]],
) -> list[str]:
    labels = data.indicator_label
    clusters = sorted(result.clusters, key=lambda c: -sum(m not in labels for m in c))
    owners: list[ShopRecord | None] = [_claim(session, shop, c, labels) for c in clusters]
    if shop not in owners and clusters:
        owners[owners.index(None) if None in owners else 0] = shop
    placed: set[str] = set()
    ids: list[str] = []
    hub_note = ", ".join(sorted(labels[k] for k in new_hubs))
    for members, owner in zip(clusters, owners, strict=True):
        placed.update(members)
        target = owner or _new_shop(session, shop, members, labels)
        if target is not shop:
            for start in range(0, len(members), CHUNK):
                session.execute(
                    update(ShopMemberRecord)
                    .where(
                        ShopMemberRecord.shop_id == shop.id,
                        ShopMemberRecord.member_id.in_(members[start : start + CHUNK]),
                    )
                    .values(shop_id=target.id)
                )
        merges = [*target.meta.get("merges", []), f"hub {hub_note}: cut back from {shop.id}"]
        bridges = {k: v for k, v in target.meta.get("bridges", {}).items() if k not in new_hubs}
        size = sum(m not in labels for m in members)
        target.meta = {**target.meta, "size": size, "merges": merges[-50:], "bridges": bridges}
        ids.append(target.id)
    gone = [m for m in old_members if m not in placed]
    for start in range(0, len(gone), CHUNK):
        session.execute(
            delete(ShopMemberRecord).where(
                ShopMemberRecord.shop_id == shop.id,
                ShopMemberRecord.member_id.in_(gone[start : start + CHUNK]),
            )
        )
    if not clusters:
        shop.status, shop.meta = "dissolved", {**shop.meta, "size": 0, "bridges": {}}
    session.flush()
    refresh_seen(session, ids)
    return ids


def _claim(
    session: Session, shop: ShopRecord, members: list[str], labels: dict[str, str]
) -> ShopRecord | None:
    """The shop a cluster was before the merges: shop ids are ``make_id("shop", indicator)``
    for the anchor indicator, so the cluster holding it gets that shop back."""
    for ind in sorted(m for m in members if m in labels):
        sid = make_id("shop", ind)
        if sid == shop.id:
            return shop
        old = session.get(ShopRecord, sid)
        if old is not None and old.merged_into is not None:
            old.merged_into, old.status = None, "active"
            return old
    return None


def _new_shop(
    session: Session, shop: ShopRecord, members: list[str], labels: dict[str, str]
) -> ShopRecord:
    inds = sorted(m for m in members if m in labels)
    sid = make_id("shop", inds[0] if inds else min(members))
    while session.get(ShopRecord, sid) is not None:
        sid = make_id("shop", sid)
    new = ShopRecord(
        id=sid,
        name=_derive_name(inds, labels)[:300],
        status="active",
        meta={"size": 0, "split_from": shop.id},
    )
    session.add(new)
    session.flush()
    return new

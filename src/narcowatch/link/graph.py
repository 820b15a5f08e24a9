"""The entity graph around shops: shops, posts, indicators and channels as nodes.

Nodes are keyed ``<kind>:<id>`` (kind: shop, item, indicator, source). ``neighbours``
expands one node (bounded, filtered by indicator type and time) for the Cytoscape.js view;
``path`` searches breadth-first between two nodes through those same expansions.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from narcowatch.errors import StoreError
from narcowatch.link.profile import group_of
from narcowatch.link.shops import resolve
from narcowatch.store.tables import (
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ShopMemberRecord,
    ShopRecord,
    SourceRecord,
)

KINDS = ("shop", "item", "indicator", "source")
LIMIT = 60
PATH_BUDGET = 400  # nodes expanded at most while looking for a path


@dataclass
class Graph:
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)

    def node(self, key: str, label: str, **data: Any) -> None:
        kind = key.split(":", 1)[0]
        self.nodes.setdefault(key, {"id": key, "kind": kind, "label": label[:80], **data})

    def edge(self, a: str, b: str, label: str = "") -> None:
        key = "|".join(sorted((a, b)))
        self.edges.setdefault(key, {"id": key, "source": a, "target": b, "label": label})

    def merge(self, other: Graph) -> None:
        for k, v in other.nodes.items():
            self.nodes.setdefault(k, v)
        for k, v in other.edges.items():
            self.edges.setdefault(k, v)

    def to_cytoscape(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "nodes": [{"data": n} for n in self.nodes.values()],
            "edges": [{"data": e} for e in self.edges.values()],
        }


@dataclass(frozen=True)
class Filters:
    groups: frozenset[str] | None = None  # profile groups: bots, cards, wallets, ...
    since: datetime | None = None
    until: datetime | None = None

    def keeps(self, type_: str, value: str) -> bool:
        return self.groups is None or group_of(type_, value) in self.groups


def split_key(key: str) -> tuple[str, str]:
    kind, _, ident = key.partition(":")
    if kind not in KINDS or not ident or len(ident) > 64:
        raise StoreError(f"unknown graph node {key!r}", code="E468")
    return kind, ident


def _ind_label(type_: str, value: str) -> str:
    return f"@{value}" if type_ == "telegram" else value


def _seen() -> Any:
    return func.coalesce(ItemRecord.published_at, ItemRecord.fetched_at)


def _timed(query: Any, filters: Filters) -> Any:
    if filters.since:
        query = query.where(_seen() >= filters.since)
    if filters.until:
        query = query.where(_seen() <= filters.until)
    return query


def neighbours(
    session: Session, key: str, filters: Filters | None = None, limit: int = LIMIT
) -> Graph:
    """The node ``key`` and up to ``limit`` neighbours of each kind."""
    filters = filters or Filters()
    kind, ident = split_key(key)
    g = Graph()
    if kind == "shop":
        shop = session.get(ShopRecord, ident)
        if shop is None:
            raise StoreError(f"shop {ident} does not exist", code="E460")
        shop = resolve(session, shop.id)
        key = f"shop:{shop.id}"
        g.node(key, shop.name, status=shop.status)
        items = select(ShopMemberRecord.member_id).where(
            ShopMemberRecord.shop_id == shop.id, ShopMemberRecord.member_type == "item"
        )
        rows = session.execute(
            _timed(
                select(
                    IndicatorRecord.id, IndicatorRecord.type, IndicatorRecord.value, func.count()
                )
                .join(ItemIndicatorRecord, ItemIndicatorRecord.indicator_id == IndicatorRecord.id)
                .join(ItemRecord, ItemRecord.id == ItemIndicatorRecord.item_id)
                .where(ItemIndicatorRecord.item_id.in_(items))
                .where(IndicatorRecord.type.notin_(["substance", "price", "quantity"])),
                filters,
            )
            .group_by(IndicatorRecord.id, IndicatorRecord.type, IndicatorRecord.value)
            .order_by(func.count().desc())
            .limit(limit * 3)
        ).all()
        kept = [r for r in rows if filters.keeps(r[1], r[2])][:limit]
        for iid, type_, value, n in kept:
            g.node(
                f"indicator:{iid}",
                _ind_label(type_, value),
                type=type_,
                group=group_of(type_, value),
            )
            g.edge(key, f"indicator:{iid}", f"{n}")
        for sid, name, n in session.execute(
            _timed(
                select(SourceRecord.id, SourceRecord.name, func.count())
                .join(ItemRecord, ItemRecord.source_id == SourceRecord.id)
                .where(ItemRecord.id.in_(items)),
                filters,
            )
            .group_by(SourceRecord.id, SourceRecord.name)
            .limit(limit)
        ):
            g.node(f"source:{sid}", name)
            g.edge(key, f"source:{sid}", f"{n}")
    elif kind == "indicator":
        ind = session.get(IndicatorRecord, ident)
        if ind is None:
            raise StoreError(f"indicator {ident} does not exist", code="E468")
        g.node(
            key, _ind_label(ind.type, ind.value), type=ind.type, group=group_of(ind.type, ind.value)
        )
        for (sid,) in session.execute(
            select(ShopMemberRecord.shop_id)
            .where(ShopMemberRecord.member_type == "indicator", ShopMemberRecord.member_id == ident)
            .limit(limit)
        ):
            shop = resolve(session, sid)
            g.node(f"shop:{shop.id}", shop.name, status=shop.status)
            g.edge(key, f"shop:{shop.id}", "member")
        for iid, text, seen in session.execute(
            _timed(
                select(ItemRecord.id, ItemRecord.text, _seen())
                .join(ItemIndicatorRecord, ItemIndicatorRecord.item_id == ItemRecord.id)
                .where(ItemIndicatorRecord.indicator_id == ident),
                filters,
            )
            .order_by(_seen().desc())
            .limit(limit)
        ):
            g.node(f"item:{iid}", text or iid, seen=str(seen or "")[:10])
            g.edge(key, f"item:{iid}", "mentions")
    elif kind == "item":
        item = session.get(ItemRecord, ident)
        if item is None:
            raise StoreError(f"item {ident} does not exist", code="E468")
        g.node(key, item.text or item.id, seen=str(item.published_at or "")[:10])
        source = session.get(SourceRecord, item.source_id)
        if source is not None:
            g.node(f"source:{source.id}", source.name)
            g.edge(key, f"source:{source.id}", "posted in")
        for iid, type_, value in session.execute(
            select(IndicatorRecord.id, IndicatorRecord.type, IndicatorRecord.value)
            .join(ItemIndicatorRecord, ItemIndicatorRecord.indicator_id == IndicatorRecord.id)
            .where(ItemIndicatorRecord.item_id == ident)
            .limit(limit)
        ):
            if filters.keeps(type_, value):
                g.node(
                    f"indicator:{iid}",
                    _ind_label(type_, value),
                    type=type_,
                    group=group_of(type_, value),
                )
                g.edge(key, f"indicator:{iid}", "mentions")
        for (sid,) in session.execute(
            select(ShopMemberRecord.shop_id).where(
                ShopMemberRecord.member_type == "item", ShopMemberRecord.member_id == ident
            )
        ):
            shop = resolve(session, sid)
            g.node(f"shop:{shop.id}", shop.name, status=shop.status)
            g.edge(key, f"shop:{shop.id}", "member")
    else:
        source = session.get(SourceRecord, ident)
        if source is None:
            raise StoreError(f"source {ident} does not exist", code="E468")
        g.node(key, source.name)
        for iid, text in session.execute(
            _timed(
                select(ItemRecord.id, ItemRecord.text).where(ItemRecord.source_id == ident), filters
            )
            .order_by(_seen().desc())
            .limit(limit)
        ):
            g.node(f"item:{iid}", text or iid)
            g.edge(key, f"item:{iid}", "posted in")
    return g


def path(
    session: Session, a: str, b: str, filters: Filters | None = None, budget: int = PATH_BUDGET
) -> tuple[list[str], Graph]:
    """A shortest path from ``a`` to ``b`` (node keys) and the graph it runs through;
    an empty list when none is found within ``budget`` expansions."""
    split_key(a), split_key(b)
    seen: dict[str, str | None] = {a: None}
    queue: deque[str] = deque([a])
    g = Graph()
    expanded = 0
    while queue and expanded < budget:
        current = queue.popleft()
        expanded += 1
        around = neighbours(session, current, filters)
        g.merge(around)
        for edge in around.edges.values():
            nxt = edge["target"] if edge["source"] == current else edge["source"]
            if nxt in seen:
                continue
            seen[nxt] = current
            if nxt == b:
                chain = [b]
                while seen[chain[-1]] is not None:
                    chain.append(seen[chain[-1]])  # type: ignore[arg-type]
                return list(reversed(chain)), g
            queue.append(nxt)
    return [], g

"""A shop's profile, aggregated in SQL so a shop with 10,000 posts renders quickly.

Long lists are paged or cut to their most frequent entries; places and prices come from
the latest ``SAMPLE`` posts (said on the page), everything else covers all posts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from narcowatch.link.places import cities_in, region_of
from narcowatch.link.prices import price_ranges
from narcowatch.link.rules import PAYMENT_TYPES, is_bot
from narcowatch.link.shops import resolve
from narcowatch.store.tables import (
    BlockingRequestRecord,
    CaseLinkRecord,
    CaseRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ReportRecord,
    ShopMemberRecord,
    ShopRecord,
    SourceRecord,
)

SAMPLE = 1000
PER_GROUP = 100
PAGE = 50
GROUPS = (
    "handles",
    "bots",
    "phones",
    "cards",
    "ibans",
    "wallets",
    "sites",
    "other",
)


@dataclass
class Profile:
    shop: ShopRecord
    items: int
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    channels: list[dict[str, Any]] = field(default_factory=list)
    places: list[tuple[str, str, int]] = field(default_factory=list)
    substances: list[dict[str, Any]] = field(default_factory=list)
    activity: list[tuple[str, int]] = field(default_factory=list)
    requisites: list[dict[str, Any]] = field(default_factory=list)
    reports: list[ReportRecord] = field(default_factory=list)
    cases: list[CaseRecord] = field(default_factory=list)
    blocking: list[BlockingRequestRecord] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)


def group_of(type_: str, value: str) -> str:
    if type_ == "telegram":
        return "bots" if is_bot(type_, value) else "handles"
    if type_ in ("phone", "whatsapp"):
        return "phones"
    if type_ == "card":
        return "cards"
    if type_ == "iban":
        return "ibans"
    if type_.startswith("crypto:"):
        return "wallets"
    if type_ in ("domain", "url", "onion", "email"):
        return "sites"
    return "other"


def _items_of(shop_id: str) -> Any:
    return select(ShopMemberRecord.member_id).where(
        ShopMemberRecord.shop_id == shop_id, ShopMemberRecord.member_type == "item"
    )


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_profile(session: Session, shop_id: str, *, now: datetime | None = None) -> Profile | None:
    shop = session.get(ShopRecord, shop_id)
    if shop is None:
        return None
    shop = resolve(session, shop.id)
    now = now or datetime.now(UTC)
    since = now - timedelta(days=1)
    items = _items_of(shop.id)
    seen = func.coalesce(ItemRecord.published_at, ItemRecord.fetched_at)
    prof = Profile(shop=shop, items=0, merges=list(shop.meta.get("merges", [])))
    # indicators: count the shop's mentions per indicator, then join the few indicators
    # (first/last seen are the indicator's own: joining every post for them costs 4x)
    counts = (
        select(
            ItemIndicatorRecord.indicator_id.label("iid"),
            func.count().label("n"),
        )
        .where(ItemIndicatorRecord.item_id.in_(items))
        .group_by(ItemIndicatorRecord.indicator_id)
        .subquery()
    )
    rows = session.execute(
        select(
            IndicatorRecord.id,
            IndicatorRecord.type,
            IndicatorRecord.value,
            IndicatorRecord.tags,
            counts.c.n,
            IndicatorRecord.first_seen,
            IndicatorRecord.last_seen,
        )
        .join(counts, counts.c.iid == IndicatorRecord.id)
        .order_by(counts.c.n.desc(), IndicatorRecord.id)
    ).all()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    new_inds = []
    for iid, type_, value, tags, n, first, last in rows:
        entry = {
            "id": iid,
            "type": type_,
            "value": value,
            "items": n,
            "first": _aware(first),
            "last": _aware(last),
            "tags": tags or {},
        }
        if type_ in ("substance", "price", "quantity", "coordinates", "iin"):
            continue
        group = groups[group_of(type_, value)]
        if len(group) < PER_GROUP:
            group.append(entry)
        if type_ in PAYMENT_TYPES:
            prof.requisites.append(entry)
        if entry["first"] and entry["first"] >= since:
            new_inds.append(entry)
    prof.groups = {g: groups.get(g, []) for g in GROUPS}
    prof.requisites.sort(key=lambda e: e["first"] or now)
    # one scan of the shop's posts: per channel and day (channels, timeline, news)
    day = func.substr(func.cast(seen, _text_type()), 1, 10)
    fresh = func.sum(case((seen >= since, 1), else_=0))
    per_source: dict[str, list[Any]] = {}
    per_day: Counter[str] = Counter()
    new_items = 0
    for sid, d, n, last, recent in session.execute(
        select(ItemRecord.source_id, day, func.count(), func.max(seen), fresh)
        .where(ItemRecord.id.in_(items))
        .group_by(ItemRecord.source_id, day)
    ):
        per_day[str(d)] += n
        new_items += int(recent or 0)
        slot = per_source.setdefault(sid, [0, None])
        slot[0] += n
        last = _aware(last)
        slot[1] = last if slot[1] is None or (last and last > slot[1]) else slot[1]
    names = {
        sid: (name, kind)
        for sid, name, kind in session.execute(
            select(SourceRecord.id, SourceRecord.name, SourceRecord.kind).where(
                SourceRecord.id.in_(list(per_source))
            )
        )
    }
    prof.channels = sorted(
        (
            {"id": sid, "name": names[sid][0], "kind": names[sid][1], "items": n, "last": last}
            for sid, (n, last) in per_source.items()
            if sid in names
        ),
        key=lambda c: -c["items"],
    )[:PER_GROUP]
    prof.activity = sorted(per_day.items())
    prof.items = sum(per_day.values())
    _sample(session, prof, items)
    prof.reports = list(
        session.scalars(
            select(ReportRecord)
            .where(ReportRecord.item_id.in_(items))
            .order_by(ReportRecord.created_at.desc())
            .limit(PER_GROUP)
        )
    )
    case_ids = select(CaseLinkRecord.case_id).where(
        CaseLinkRecord.ref_type == "shop", CaseLinkRecord.ref_id == shop.id
    )
    prof.cases = list(session.scalars(select(CaseRecord).where(CaseRecord.id.in_(case_ids))))
    prof.blocking = list(
        session.scalars(
            select(BlockingRequestRecord).where(BlockingRequestRecord.case_id.in_(case_ids))
        )
    )
    prof.changes = {"since": since, "items": new_items or 0, "indicators": new_inds[:PER_GROUP]}
    return prof


def _text_type() -> Any:
    from sqlalchemy import String

    return String()


def _sample(session: Session, prof: Profile, items: Any) -> None:
    """Places and prices from the latest ``SAMPLE`` posts."""
    seen = func.coalesce(ItemRecord.published_at, ItemRecord.fetched_at)
    latest = (
        select(ItemRecord.id, ItemRecord.text, ItemRecord.meta)
        .where(ItemRecord.id.in_(items))
        .order_by(seen.desc())
        .limit(SAMPLE)
    )
    cities: Counter[str] = Counter()
    ids = []
    for iid, text, meta in session.execute(latest):
        ids.append(iid)
        found = cities_in(text)
        for key in ("city", "region"):
            value = (meta or {}).get(key)
            if isinstance(value, str) and value:
                found |= cities_in(value) or {value}
        cities.update(found)
    prof.places = [
        (city, region_of(city) if city in _known() else "", n) for city, n in cities.most_common(20)
    ]
    mentions = session.execute(
        select(ItemIndicatorRecord.item_id, IndicatorRecord.type, IndicatorRecord.value)
        .join(IndicatorRecord, IndicatorRecord.id == ItemIndicatorRecord.indicator_id)
        .where(
            ItemIndicatorRecord.item_id.in_(ids),
            IndicatorRecord.type.in_(["substance", "price", "quantity"]),
        )
    ).all()
    prof.substances = price_ranges([(a, b, c) for a, b, c in mentions])


def _known() -> set[str]:
    from narcowatch.link.places import CITIES

    return set(CITIES)


def items_page(session: Session, shop_id: str, page: int = 1) -> tuple[list[ItemRecord], int]:
    """One page of the shop's posts, newest first, and the number of pages."""
    items = _items_of(shop_id)
    total = session.scalar(select(func.count()).select_from(items.subquery())) or 0
    seen = func.coalesce(ItemRecord.published_at, ItemRecord.fetched_at)
    rows = session.scalars(
        select(ItemRecord)
        .where(ItemRecord.id.in_(items))
        .order_by(seen.desc(), ItemRecord.id)
        .offset((max(page, 1) - 1) * PAGE)
        .limit(PAGE)
    ).all()
    return list(rows), max((total + PAGE - 1) // PAGE, 1)

"""Attach a batch of positive posts to shops with a few queries instead of several per post.

Used by the pipeline's link stage and by imports and catch-up runs. Most posts either name
a shop's known indicators (they join that shop) or only new ones (they found a shop); those
are decided in memory from one lookup of owners and hubs, and their member rows are written
with one ``executemany``. A post that bridges two shops (a merge, possibly a hub re-check)
or that was linked before (a re-processed batch) takes the exact per-post path,
``attach_item``, after the pending rows are written. A merged shop's members keep their old
owner id in memory and resolve through ``merged_into``; only a hub re-check makes the
owners be read again. The result is the rows ``attach_item`` writes post by post.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.link.search import index_items
from narcowatch.link.shops import (
    HUB_MARK,
    _aware,
    attach_item,
    count_post,
    linking_of,
    member_row,
    new_shop,
    owner_rows,
    resolve,
)
from narcowatch.store.tables import ItemRecord, ShopMemberRecord, ShopRecord, utcnow
from narcowatch.store.tables_shops import ShopHubRecord

LOOKUP_CHUNK = 5_000  # ids per IN list (SQLite allows 32,766 parameters)


def _parts(ids: list[str]) -> Iterator[list[str]]:
    return (ids[i : i + LOOKUP_CHUNK] for i in range(0, len(ids), LOOKUP_CHUNK))


def _owners_and_hubs(
    session: Session, ids: list[str], held: dict[str, ShopRecord]
) -> tuple[dict[str, str], set[str]]:
    """Who owns each of ``ids`` (member id -> live shop id) and which are hubs."""
    owner: dict[str, str] = {}
    hubs: set[str] = set()
    for part in _parts(ids):
        for sid, member in owner_rows(session, part, part):
            if sid == HUB_MARK:
                hubs.add(member)
            else:
                owner[member] = sid
    with session.no_autoflush:
        live = {sid: resolve(session, sid, held).id for sid in set(owner.values())}
    return {member: live[sid] for member, sid in owner.items()}, hubs


def _present(session: Session, column: Any, ids: list[str]) -> set[str]:
    """Which of ``ids`` are values of ``column`` (hubs, stored shops)."""
    out: set[str] = set()
    for part in _parts(ids):
        out.update(session.scalars(select(column).where(column.in_(part))))
    return out


def attach_many(
    session: Session, batch: Sequence[tuple[ItemRecord, Sequence[Indicator]]]
) -> list[str | None]:
    """``attach_item`` for each (item, indicators) in order; returns the shop ids."""
    index_items(session, [item for item, _ in batch])
    linkings = [linking_of(hits) for _, hits in batch]
    wanted = sorted({i for lk in linkings for i in lk} | {item.id for item, _ in batch})
    session.flush()
    held: dict[str, ShopRecord] = {}  # the batch's shops, read once
    owner, hubs = _owners_and_hubs(session, wanted, held)
    pending: list[dict[str, object]] = []
    out: list[str | None] = []

    new_ids = sorted({make_id("shop", min(lk)) for lk in linkings if lk})
    stored = _present(session, ShopRecord.id, new_ids)
    created: dict[str, ShopRecord] = {}

    def write_pending() -> None:
        session.flush()  # new shops before the members that refer to them
        if pending:
            session.execute(insert(ShopMemberRecord.__table__), pending)
            pending.clear()

    for (item, hits), linking in zip(batch, linkings, strict=True):
        linking = {k: v for k, v in linking.items() if k not in hubs}
        if not linking:
            out.append(None)
            continue
        shops = {resolve(session, owner[k], held).id for k in linking if k in owner}
        if len(shops) > 1 or item.id in owner:  # a merge or a re-processed post: exact path
            write_pending()
            sid = attach_item(session, item, hits, index=False)
            out.append(sid)
            session.flush()
            if (
                _present(session, ShopHubRecord.indicator_id, wanted) != hubs
            ):  # a hub re-check moved members: read again
                owner, hubs = _owners_and_hubs(session, wanted, held)
            elif sid is not None:  # merged shops resolve through merged_into
                owner.update(dict.fromkeys([*linking, item.id], sid))
            continue
        if shops:
            shop = held[shops.pop()]
        else:
            shop = _new_shop(session, item, linking, stored, created, held)
        now = utcnow()
        for iid, ind in linking.items():
            if iid not in owner:
                pending.append(
                    member_row(shop.id, "indicator", iid, f"{ind.type}:{ind.value}", now)
                )
                owner[iid] = shop.id
        reason = ", ".join(sorted(f"{i.type}:{i.value}" for i in linking.values()))
        pending.append(member_row(shop.id, "item", item.id, reason, now))
        owner[item.id] = shop.id
        count_post(shop, _aware(item.published_at or item.fetched_at or now))
        out.append(shop.id)
    write_pending()
    return out


def _new_shop(
    session: Session,
    item: ItemRecord,
    linking: dict[str, Indicator],
    stored: set[str],
    created: dict[str, ShopRecord],
    held: dict[str, ShopRecord],
) -> ShopRecord:
    """The shop a post with only unknown indicators founds (or a split-off shop by that id).

    Added to the session unflushed: ``write_pending`` flushes shops before their members."""
    sid = make_id("shop", min(linking))
    if sid in created:
        return created[sid]
    if sid in stored:
        return resolve(session, sid, held)
    shop = created[sid] = new_shop(
        linking, _aware(item.published_at or item.fetched_at or utcnow())
    )
    session.add(shop)
    return shop

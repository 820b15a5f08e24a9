"""The pipeline links a batch of positives at once (``incremental.attach_many``); the result
must be the rows ``attach_item`` writes post by post: new shops, joins, merges, hubs, an
analyst's split and a re-processed post included."""

from __future__ import annotations

import random

from sqlalchemy import select

from narcowatch.link import decisions
from narcowatch.link.incremental import attach_many
from narcowatch.link.shops import attach_item
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import ItemRecord, ShopMemberRecord, ShopRecord
from narcowatch.store.tables_shops import ShopHubRecord
from tests.link.conftest import add_item


def _posts(session, seed: int, start: int) -> list[ItemRecord]:  # type: ignore[no-untyped-def]
    """Posts of a few shops; some name two shops' handles (bridges) or a hub bot."""
    rnd = random.Random(seed)
    posts = []
    for n in range(start, start + 60):
        shop = rnd.randrange(6)
        inds = [("telegram", f"shop{shop}_oper")]
        if rnd.random() < 0.4:
            inds.append(("card", f"4400000000{shop:02d}{rnd.randrange(3):04d}"))
        if rnd.random() < 0.1:
            inds.append(("telegram", f"shop{rnd.randrange(6)}_oper"))  # a bridge
        if rnd.random() < 0.15:
            inds.append(("telegram", "police_help_bot"))  # a hub
        if rnd.random() < 0.05:
            inds = [("price", "5000 KZT")]  # nothing that links
        posts.append(add_item(session, n, f"пост {n}", inds))
    return posts


def _state(session) -> tuple[set[tuple[str, ...]], set[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    members = {
        (m.shop_id, m.member_type, m.member_id, m.reason)
        for m in session.scalars(select(ShopMemberRecord))
    }
    shops = {
        (s.id, s.name, s.status, s.merged_into, s.meta.get("size"), str(s.meta.get("merges")))
        for s in session.scalars(select(ShopRecord))
    }
    return members, shops


def _world(session, batched: bool) -> list[str | None]:  # type: ignore[no-untyped-def]
    session.add(ShopHubRecord(indicator_id=indicator_id("telegram", "police_help_bot")))
    first = _posts(session, 1, 0)
    for post in first[:20]:  # an established world, then an analyst's split
        attach_item(session, post, post.hits)  # type: ignore[attr-defined]
    session.flush()
    owner = {
        m.member_id: m.shop_id
        for m in session.scalars(
            select(ShopMemberRecord).where(ShopMemberRecord.member_type == "item")
        )
    }
    by_shop: dict[str, list[str]] = {}
    for item_id, shop_id in sorted(owner.items()):
        by_shop.setdefault(shop_id, []).append(item_id)
    big = max(by_shop.values(), key=len)
    decisions.split(session, "analyst", owner[big[0]], big[:1], "not the same shop")
    again = next(p for p in first[1:20] if p.id in owner)  # a linked post processed again
    rest = [*first[20:], *_posts(session, 2, 100), again]
    if batched:
        out = []
        for start in range(0, len(rest), 25):
            chunk = rest[start : start + 25]
            out += attach_many(session, [(p, p.hits) for p in chunk])  # type: ignore[attr-defined]
        return out
    return [attach_item(session, p, p.hits) for p in rest]  # type: ignore[attr-defined]


class _Undo(Exception):
    """Raised to roll the first world back."""


def test_batch_equals_post_by_post(any_runtime: Runtime) -> None:
    try:
        with any_runtime.db.session() as s:
            one_by_one = _world(s, batched=False)
            expected = _state(s)
            raise _Undo
    except _Undo:
        pass
    with any_runtime.db.session() as s:
        batched = _world(s, batched=True)
        got = _state(s)
    assert batched == one_by_one
    assert got == expected
    assert any(sid is None for sid in batched)  # posts with nothing that links
    assert any("shares" in str(shop[5]) for shop in got[1])  # merges happened

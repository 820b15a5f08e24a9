"""The per-post path notices a new hub: an indicator that starts bridging unrelated shops
is re-tested with the relink rules, becomes a hub, and the merges it caused are undone,
while an analyst's merge stays."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from narcowatch.link import decisions
from narcowatch.link.incremental import attach_many
from narcowatch.link.relink import relink
from narcowatch.link.shops import attach_item
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import ShopMemberRecord, ShopRecord
from narcowatch.store.tables_shops import ShopHubRecord
from tests.link.conftest import add_item

HELPDESK = ("telegram", "kz_helpdesk_bot")


def _shop_of(session, item_id: str) -> str | None:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(ShopMemberRecord.shop_id).where(
            ShopMemberRecord.member_type == "item", ShopMemberRecord.member_id == item_id
        )
    )


def _shops(session, n: int = 3) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[int, list[str]] = {}
    for s in range(n):
        out[s] = [
            add_item(
                session,
                100 * s + k,
                f"shop {s} post {k}",
                [("telegram", f"shop{s}_bot"), ("card", f"44000000000{s}{k // 4:04d}")],
            ).id
            for k in range(8)
        ]
    return out


def _bridge(session, batch: bool, n: int = 3) -> list[str]:  # type: ignore[no-untyped-def]
    """One post of each shop also names the helpdesk bot: merges, then a hub."""
    posts = [
        add_item(
            session,
            900 + s,
            f"@shop{s}_bot @kz_helpdesk_bot",
            [("telegram", f"shop{s}_bot"), HELPDESK],
        )
        for s in range(n)
    ]
    if batch:
        attach_many(session, [(p, p.hits) for p in posts])  # type: ignore[attr-defined]
    else:
        for p in posts:
            attach_item(session, p, p.hits)  # type: ignore[attr-defined]
    return [p.id for p in posts]


@pytest.mark.parametrize("batch", [False, True], ids=["per-post", "batch"])
def test_new_hub_undoes_its_merges(any_runtime: Runtime, batch: bool) -> None:
    with any_runtime.db.session() as s:
        world = _shops(s)
    with any_runtime.db.session() as s:
        relink(s)
        before = {k: _shop_of(s, v[0]) for k, v in world.items()}
        assert len(set(before.values())) == 3
    with any_runtime.db.session() as s:
        posts = _bridge(s, batch)
    with any_runtime.db.session() as s:
        hub = s.get(ShopHubRecord, indicator_id(*HELPDESK))
        assert hub is not None and not hub.manual and "per-post" in hub.reason
        after = {k: _shop_of(s, v[0]) for k, v in world.items()}
        assert after == before  # cut back into the shops merged away, same ids
        for k, post in enumerate(posts):
            assert _shop_of(s, post) == before[k]
        for sid in before.values():
            shop = s.get(ShopRecord, sid)
            assert shop is not None and shop.status == "active" and shop.merged_into is None
            assert shop.meta["size"] == 9
        helpdesk_owner = s.scalar(
            select(ShopMemberRecord.shop_id).where(
                ShopMemberRecord.member_id == indicator_id(*HELPDESK)
            )
        )
        assert helpdesk_owner is None
        # a later post naming only the hub joins no shop
        lone = add_item(s, 999, "@kz_helpdesk_bot", [HELPDESK])
        assert attach_item(s, lone, lone.hits) is None  # type: ignore[attr-defined]


def test_new_hub_keeps_analyst_merge(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        world = _shops(s, 4)
    with any_runtime.db.session() as s:
        relink(s)
        keep, other = _shop_of(s, world[0][0]), _shop_of(s, world[1][0])
        assert keep and other
        decisions.merge(s, "ana", keep, other, "same courier")
    with any_runtime.db.session() as s:
        _bridge(s, batch=False, n=4)
    with any_runtime.db.session() as s:
        assert s.get(ShopHubRecord, indicator_id(*HELPDESK)) is not None
        shops = [_shop_of(s, world[k][0]) for k in range(4)]
        assert shops[0] == shops[1] == _shop_of(s, world[1][5])
        assert len(set(shops)) == 3


def test_card_shared_thickly_is_not_a_hub(any_runtime: Runtime) -> None:
    """Three one-post shops and a card in half of each one's posts: re-tested, no hub,
    the merges stand (as relink would decide)."""
    card = ("card", "4400999900001111")
    with any_runtime.db.session() as s:
        posts = []
        for n, extra in enumerate([[], [], [], [card], [card], [card]]):
            post = add_item(s, n, "ad", [("telegram", f"shop{n % 3}_bot"), *extra])
            attach_item(s, post, post.hits)  # type: ignore[attr-defined]
            posts.append(post.id)
    with any_runtime.db.session() as s:
        assert s.get(ShopHubRecord, indicator_id(*card)) is None
        assert len({_shop_of(s, p) for p in posts}) == 1
        shop = s.get(ShopRecord, _shop_of(s, posts[0]))
        assert shop is not None and shop.meta["bridges"][indicator_id(*card)] == 2

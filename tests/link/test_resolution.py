"""Entity resolution: shared evidence links, hubs do not, decisions survive relink."""

from __future__ import annotations

from sqlalchemy import func, select

from narcowatch.ids import make_id
from narcowatch.link import decisions
from narcowatch.link.cluster import LinkInput, cluster
from narcowatch.link.relink import relink
from narcowatch.link.shops import attach_item
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import AuditRecord, ShopMemberRecord, ShopRecord
from narcowatch.store.tables_shops import ShopHubRecord
from tests.link.conftest import add_item


def _shop_of(session, item_id: str) -> str | None:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(ShopMemberRecord.shop_id).where(
            ShopMemberRecord.member_type == "item", ShopMemberRecord.member_id == item_id
        )
    )


def _world(session) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Four shops (each a bot, an operator and rotating cards), a police bot and an
    exchange wallet mentioned in some posts of every shop."""
    items: dict[str, list[str]] = {}
    n = 0
    for s in range(4):
        items[f"s{s}"] = []
        for k in range(8):
            n += 1
            inds = [("telegram", f"shop{s}_bot"), ("card", f"44000000000{s}{k // 3:04d}")]
            if k % 2:
                inds.append(("telegram", f"oper{s}"))
            if k == 3:
                inds.append(("telegram", "police_report_bot"))
            if k == 5:
                inds.append(("crypto:trx", "TExchangeHotWallet000000000000001"))
            text = f"Shop {s} ad {k}: товар в наличии, пишите @shop{s}_bot"
            items[f"s{s}"].append(add_item(session, n, text, inds).id)
    add_item(session, 999, "нормальный пост про погоду", [("telegram", "weather")], label=0)
    return items


def test_cluster_keeps_shops_apart_through_hubs() -> None:
    mentions = []
    labels = {}
    for s in range(4):
        labels[f"b{s}"] = f"telegram:bot{s}"
        for k in range(6):
            mentions.append((f"i{s}-{k}", f"b{s}"))
        mentions.append((f"i{s}-0", "police"))
    labels["police"] = "telegram:police_bot"
    result = cluster(LinkInput(mentions=mentions, indicator_label=labels))
    assert len(result.clusters) == 4
    assert "police" in result.hubs
    assert "spans 4 unrelated clusters" in result.hubs["police"][0]


def test_relink_finds_shops_and_hubs(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        world = _world(s)
    with any_runtime.db.session() as s:
        report = relink(s)
    assert report.shops == 4
    with any_runtime.db.session() as s:
        for members in world.values():
            assert len({_shop_of(s, i) for i in members}) == 1
        assert len({_shop_of(s, m[0]) for m in world.values()}) == 4
        hubs = set(s.scalars(select(ShopHubRecord.indicator_id)))
        assert indicator_id("telegram", "police_report_bot") in hubs
        assert _shop_of(s, make_id("item", "t", 999)) is None
        names = set(s.scalars(select(ShopRecord.name).where(ShopRecord.status == "active")))
        assert names == {"@oper0", "@oper1", "@oper2", "@oper3"}


def test_incremental_attach_matches_relink(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        world = _world(s)
        s.flush()
    with any_runtime.db.session() as s:
        relink(s)
        before = _shop_of(s, world["s1"][0])
        item = add_item(s, 500, "новый пост @shop1_bot", [("telegram", "shop1_bot")])
        assert attach_item(s, item, item.hits) == before  # type: ignore[attr-defined]
        hub_only = add_item(s, 501, "@police_report_bot", [("telegram", "police_report_bot")])
        assert attach_item(s, hub_only, hub_only.hits) is None  # type: ignore[attr-defined]
        bridge = add_item(s, 502, "@oper2 и @oper3", [("telegram", "oper2"), ("telegram", "oper3")])
        merged = attach_item(s, bridge, bridge.hits)  # type: ignore[attr-defined]
        assert merged in {_shop_of(s, world["s2"][0]), _shop_of(s, world["s3"][0])}
        assert _shop_of(s, world["s2"][0]) == _shop_of(s, world["s3"][0]) == merged
        keep = s.get(ShopRecord, merged)
        assert keep is not None and any("oper" in m for m in keep.meta["merges"])


def test_manual_split_and_merge_survive_relink(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        world = _world(s)
    with any_runtime.db.session() as s:
        relink(s)
        shop0, shop1 = _shop_of(s, world["s0"][0]), _shop_of(s, world["s1"][0])
        assert shop0 and shop1
        decisions.merge(s, "ana", shop0, shop1, reason="same courier photos")
        moving = [*world["s2"][:3], indicator_id("card", "4400000000020000")]
        shop2 = _shop_of(s, world["s2"][0])
        assert shop2
        new = decisions.split(s, "ana", shop2, moving, reason="different operator")
        assert _shop_of(s, world["s2"][0]) == new != _shop_of(s, world["s2"][5])
        decisions.rename(s, "ana", shop0, "Kaz Meph")
    with any_runtime.db.session() as s:
        relink(s)
        assert _shop_of(s, world["s0"][0]) == _shop_of(s, world["s1"][0])
        assert _shop_of(s, world["s2"][0]) == _shop_of(s, world["s2"][2])
        assert _shop_of(s, world["s2"][0]) != _shop_of(s, world["s2"][5])
        named = s.get(ShopRecord, _shop_of(s, world["s0"][0]))
        assert named is not None and named.name == "Kaz Meph"
        actions = set(s.scalars(select(AuditRecord.action)))
        assert {"shop.merge", "shop.split", "shop.rename"} <= actions


def test_manual_hub_stops_linking(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        world = _world(s)
        # a shared card between shop 0 and shop 1 links them...
        add_item(s, 600, "ad", [("card", "4400000000000000"), ("card", "4400000000010000")])
    with any_runtime.db.session() as s:
        relink(s)
        assert _shop_of(s, world["s0"][0]) == _shop_of(s, world["s1"][0])
        decisions.mark_hub(s, "ana", indicator_id("card", "4400000000010000"), "mule pool")
    with any_runtime.db.session() as s:
        relink(s)
        assert _shop_of(s, world["s0"][0]) != _shop_of(s, world["s1"][0])
        total = s.scalar(select(func.count()).select_from(ShopHubRecord))
        assert total and total >= 2


def test_near_duplicate_ad_attaches_orphan(any_runtime: Runtime) -> None:
    text = "Кристаллы высшего качества, закладки по всему Алматы, скидки постоянным"
    with any_runtime.db.session() as s:
        a = add_item(s, 1, text + " @dup_shop_bot", [("telegram", "dup_shop_bot")])
        b = add_item(s, 2, text + " !!", [])
        c = add_item(s, 3, "совсем другое объявление о продаже велосипеда, звоните", [])
    with any_runtime.db.session() as s:
        report = relink(s)
        assert report.near_dups >= 1
        assert _shop_of(s, b.id) == _shop_of(s, a.id) is not None
        assert _shop_of(s, c.id) is None


def test_attach_many_matches_per_post_attach(any_runtime: Runtime) -> None:
    from narcowatch.link.incremental import attach_many
    from narcowatch.link.search import search
    from narcowatch.link.shops import resolve

    with any_runtime.db.session() as s:
        world = _world(s)
    with any_runtime.db.session() as s:
        relink(s)
        expected = {k: _shop_of(s, v[0]) for k, v in world.items()}
        batch = []
        for n in range(40):
            shop = n % 4
            inds = [("telegram", f"shop{shop}_bot"), ("telegram", "police_report_bot")]
            if n % 3 == 0:
                inds.append(("card", f"44009999{n:04d}"))  # a new card joins its shop
            item = add_item(s, 1000 + n, f"пакет номер {n} @shop{shop}_bot", inds)
            batch.append((item, item.hits))  # type: ignore[attr-defined]
        bridge = add_item(s, 2000, "@oper1 @oper2", [("telegram", "oper1"), ("telegram", "oper2")])
        batch.append((bridge, bridge.hits))  # type: ignore[attr-defined]
        shops = attach_many(s, batch)
        for n, sid in enumerate(shops[:-1]):
            assert sid == expected[f"s{n % 4}"]
            assert _shop_of(s, batch[n][0].id) == resolve(s, sid).id  # s1+s2 merged below
        new_card = indicator_id("card", "440099990003")
        assert (
            s.scalar(select(ShopMemberRecord.shop_id).where(ShopMemberRecord.member_id == new_card))
            == expected["s3"]
        )
        assert _shop_of(s, world["s1"][0]) == _shop_of(s, world["s2"][0]) == shops[-1]
        assert len(search(s, "пакет номер")) == 40

"""Search (FTS5 trigram / pg_trgm + Russian full-text) and the shop profile aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from narcowatch.errors import StoreError
from narcowatch.link.places import cities_in
from narcowatch.link.profile import items_page, load_profile
from narcowatch.link.relink import relink
from narcowatch.link.search import reindex, search
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ReportRecord, ShopRecord
from tests.link.conftest import T0, add_item


def _shop(session) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for k in range(6):
        inds = [
            ("telegram", "almaty_meph_bot"),
            ("substance", "mephedrone"),
            ("price", f"{15000 + 1000 * k} KZT"),
            ("quantity", "1 g"),
            ("card", "4400430123456789" if k < 3 else "4400430199990000"),
        ]
        text = f"Мефедрон 1 г за {15000 + 1000 * k} тг, закладки в Алматы. Бот @almaty_meph_bot"
        ids.append(add_item(session, k, text, inds, source="Кристалл Алматы").id)
    ids.append(
        add_item(
            session,
            50,
            "Қарағандыда да бар, жазыңыз @almaty_meph_bot",
            [("telegram", "almaty_meph_bot"), ("phone", "+77010001234")],
            source="Mirror",
            at=T0 + timedelta(days=3),
        ).id
    )
    return ids


def test_search_finds_items_indicators_and_shops(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        _shop(s)
        add_item(s, 99, "Продам велосипед в Алматы недорого", [], label=1)
    with any_runtime.db.session() as s:
        relink(s)
        assert reindex(s) > 0
    with any_runtime.db.session() as s:
        # inflected forms match inside words: «закладк» finds «закладки»
        kinds = {h.kind for h in search(s, "закладк")}
        assert kinds == {"item"}
        assert {h.kind for h in search(s, "almaty_meph")} >= {"indicator", "shop"}
        hits = search(s, "велосипед Алматы")
        assert len(hits) == 1 and "велосипед" in hits[0].title.lower()
        assert search(s, "Қарағанды", kind="item")
        assert search(s, "зеленый слон") == []
        with pytest.raises(StoreError) as err:
            search(s, "  ")
        assert err.value.code == "E466"


def test_profile_aggregates(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        ids = _shop(s)
        s.add(
            ReportRecord(
                id="r1" * 8,
                number="R-1",
                channel="web",
                kind="link",
                pseudonym="p" * 64,
                text="видел граффити с ботом",
                item_id=ids[0],
            )
        )
    with any_runtime.db.session() as s:
        relink(s)
    with any_runtime.db.session() as s:
        shop = s.scalars(select(ShopRecord).where(ShopRecord.status == "active")).one()
        prof = load_profile(s, shop.id, now=T0 + timedelta(days=3, hours=1))
        assert prof is not None
        assert prof.items == 7
        assert [e["value"] for e in prof.groups["bots"]] == ["almaty_meph_bot"]
        assert {e["value"] for e in prof.groups["cards"]} == {
            "4400430123456789",
            "4400430199990000",
        }
        assert [e["value"] for e in prof.groups["phones"]] == ["+77010001234"]
        assert {c["name"] for c in prof.channels} == {"Кристалл Алматы", "Mirror"}
        assert dict((c, n) for c, _, n in prof.places) == {"Almaty": 6, "Karaganda": 1}
        (meph,) = prof.substances
        assert meph["substance"] == "mephedrone" and meph["posts"] == 6
        assert meph["prices"] == [{"currency": "KZT", "min": 15000.0, "max": 20000.0, "posts": 6}]
        assert [r.number for r in prof.reports] == ["R-1"]
        assert [r["value"] for r in prof.requisites] == ["4400430123456789", "4400430199990000"]
        assert prof.changes["items"] == 1
        assert [e["value"] for e in prof.changes["indicators"]] == ["+77010001234"]
        assert sum(n for _, n in prof.activity) == 7
        assert prof.shop.first_seen is not None
        page, pages = items_page(s, shop.id)
        assert pages == 1 and page[0].id == ids[-1]


def test_cities_need_whole_words_for_short_stems() -> None:
    assert cities_in("оральный приём; семена почтой") == set()
    assert cities_in("Доставка: Орал, Семей, Өскемен") == {"Oral", "Semey", "Oskemen"}

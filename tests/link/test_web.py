"""Shop pages through the real app with a logged-in analyst (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

import networkx as nx
from fastapi.testclient import TestClient
from sqlalchemy import select

from narcowatch.ids import make_id
from narcowatch.link.relink import relink
from narcowatch.link.search import reindex
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import AuditRecord, ShopRecord
from tests.link.conftest import add_item, csrf_from


def _world(runtime: Runtime) -> tuple[str, str]:
    with runtime.db.session() as s:
        for n in range(4):
            add_item(
                s,
                n,
                f"Мефедрон 1 г {15000 + n} тг Алматы @web_oper @web_shop_bot",
                [
                    ("telegram", "web_oper"),
                    ("telegram", "web_shop_bot"),
                    ("crypto:trx", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"),
                    ("substance", "mephedrone"),
                    ("price", f"{15000 + n} KZT"),
                ],
            )
        add_item(s, 20, "Шишки Караганда @other_oper", [("telegram", "other_oper")], source="B")
    with runtime.db.session() as s:
        relink(s)
        reindex(s)
        a = s.scalars(select(ShopRecord.id).where(ShopRecord.name == "@web_oper")).one()
        b = s.scalars(select(ShopRecord.id).where(ShopRecord.name == "@other_oper")).one()
    return a, b


def test_profile_search_and_exports(any_runtime: Runtime, analyst: TestClient) -> None:
    a, _ = _world(any_runtime)
    listing = analyst.get("/shops")
    assert (
        listing.status_code == 200 and "@web_oper" in listing.text and "@other_oper" in listing.text
    )
    page = analyst.get(f"/shops/{a}")
    assert page.status_code == 200
    assert "web_shop_bot" in page.text and "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8" in page.text
    assert "Almaty" in page.text and "mephedrone" in page.text and "15000–15003 KZT" in page.text
    assert 'action="/trace"' in page.text  # wallets go to the trace page
    found = analyst.get("/search", params={"q": "мефедрон"})
    assert found.status_code == 200 and found.text.count('data-kind="item"') == 4
    assert (
        analyst.get("/search", params={"q": "web_oper", "kind": "shop"}).text.count(
            'data-kind="shop"'
        )
        == 1
    )
    for fmt in ("csv", "xlsx", "ftm.json", "stix.json", "gexf"):
        res = analyst.get(f"/shops/{a}/export.{fmt}")
        assert res.status_code == 200 and len(res.content) > 100, fmt
    graph = analyst.get("/shops/graph.json", params={"node": f"shop:{a}"}).json()
    ids = {n["data"]["id"] for n in graph["nodes"]}
    assert "indicator:" + indicator_id("telegram", "web_shop_bot") in ids
    only_wallets = analyst.get(
        "/shops/graph.json", params={"node": f"shop:{a}", "types": "wallets"}
    ).json()
    kinds = {
        n["data"].get("group") for n in only_wallets["nodes"] if n["data"]["kind"] == "indicator"
    }
    assert kinds == {"wallets"}
    none = analyst.get(
        "/shops/graph.json", params={"node": f"shop:{a}", "since": "2030-01-01"}
    ).json()
    assert [n["data"]["kind"] for n in none["nodes"]] == ["shop"]
    token = csrf_from(analyst.get("/shops/graph").text)
    gexf = analyst.post("/shops/graph.gexf", data={"csrf_token": token, "node": sorted(ids)})
    g = nx.read_gexf(io.BytesIO(gexf.content))
    assert set(g.nodes) == ids and g.number_of_edges() == len(graph["edges"])
    assert analyst.get("/shops/nope").status_code == 404


def test_merge_split_rename_from_the_page(any_runtime: Runtime, analyst: TestClient) -> None:
    a, b = _world(any_runtime)
    token = csrf_from(analyst.get(f"/shops/{a}").text)
    res = analyst.post(
        f"/shops/{a}/merge",
        data={"csrf_token": token, "other": b, "reason": "same courier"},
        follow_redirects=False,
    )
    assert res.status_code == 303 and res.headers["location"] == f"/shops/{a}"
    assert analyst.get(f"/shops/{b}", follow_redirects=False).headers["location"] == f"/shops/{a}"
    page = analyst.get(f"/shops/{a}")
    assert "other_oper" in page.text
    other = indicator_id("telegram", "other_oper")
    res = analyst.post(
        f"/shops/{a}/split",
        data={"csrf_token": token, "member": [other, make_id("item", "t", 20)], "reason": "no"},
        follow_redirects=False,
    )
    new = res.headers["location"].rsplit("/", 1)[1]
    assert new != a and "other_oper" in analyst.get(f"/shops/{new}").text
    res = analyst.post(
        f"/shops/{a}/rename", data={"csrf_token": token, "name": "Кристалл"}, follow_redirects=False
    )
    assert "Кристалл" in analyst.get(f"/shops/{a}").text
    bad = analyst.post(f"/shops/{a}/merge", data={"csrf_token": token, "other": a})
    assert "cannot be merged with itself" in bad.text
    with any_runtime.db.session() as s:
        actions = list(s.scalars(select(AuditRecord.action).where(AuditRecord.actor == "ana")))
    assert {"shop.merge", "shop.split", "shop.rename"} <= set(actions)


def test_pages_need_login(any_runtime: Runtime) -> None:
    from narcowatch.api.app import create_app

    with TestClient(create_app(any_runtime)) as anon:
        for path in ("/shops", "/search?q=abc", "/shops/graph.json?node=shop:x"):
            assert anon.get(path, follow_redirects=False).status_code in (303, 401)

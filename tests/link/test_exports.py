"""Exports load back with the libraries that read them: followthemoney, stix2, networkx,
openpyxl and csv."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import stix2
from followthemoney import model
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.link.exports import export_shop
from narcowatch.link.graph import neighbours, path
from narcowatch.link.profile import Profile, load_profile
from narcowatch.link.relink import relink
from narcowatch.runtime import Runtime
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import ShopRecord
from tests.link.conftest import add_item

INDS = [
    ("telegram", "export_oper"),
    ("telegram", "export_shop_bot"),
    ("card", "4400430123456789"),
    ("iban", "KZ86125KZT5004100100"),
    ("crypto:trx", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"),
    ("phone", "+77010001234"),
    ("domain", "=cmd.shop"),
]


def _store(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        for n in range(3):
            add_item(s, n, "ad " + " ".join(v for _, v in INDS), INDS)
        add_item(s, 10, "other @other_bot", [("telegram", "other_bot")], source="Elsewhere")
    with runtime.db.session() as s:
        relink(s)


def _profile(s: Session) -> Profile:
    shop = s.scalars(select(ShopRecord).where(ShopRecord.name == "@export_oper")).one()
    prof = load_profile(s, shop.id)
    assert prof is not None
    return prof


def test_ftm_round_trip(runtime: Runtime) -> None:
    _store(runtime)
    with runtime.db.session() as s:
        prof = _profile(s)
        lines = export_shop(prof, "ftm.json").decode().splitlines()
        proxies = [model.get_proxy(json.loads(line)) for line in lines]
        by_schema: dict[str, list] = {}  # type: ignore[type-arg]
        for p in proxies:
            by_schema.setdefault(p.schema.name, []).append(p)
        (org,) = by_schema["Organization"]
        assert org.get("name") == ["@export_oper"]
        assert "+77010001234" in org.get("phone")
        assert {p.first("username") for p in by_schema["UserAccount"]} == {
            "export_oper",
            "export_shop_bot",
        }
        assert {p.first("owner") for p in by_schema["UserAccount"]} == {org.id}
        assert (
            by_schema["CryptoWallet"][0].first("publicKey") == "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"
        )
        assert len(by_schema["Ownership"]) == 3
        assert {p.first("owner") for p in by_schema["Ownership"]} == {org.id}


def test_stix_round_trip(runtime: Runtime) -> None:
    _store(runtime)
    with runtime.db.session() as s:
        prof = _profile(s)
        bundle = stix2.parse(export_shop(prof, "stix.json").decode(), allow_custom=True)
        types = [o["type"] for o in bundle.objects]
        assert types.count("threat-actor") == 1
        for t in ("cryptocurrency-wallet", "phone-number", "payment-card", "bank-account"):
            assert t in types
        actor = next(o for o in bundle.objects if o["type"] == "threat-actor")
        rels = [o for o in bundle.objects if o["type"] == "relationship"]
        assert {r["source_ref"] for r in rels} == {actor["id"]}
        assert len(rels) == len(types) - 1 - len(rels)


def test_csv_xlsx_and_gexf(runtime: Runtime) -> None:
    _store(runtime)
    with runtime.db.session() as s:
        prof = _profile(s)
        rows = list(csv.DictReader(io.StringIO(export_shop(prof, "csv").decode("utf-8-sig"))))
        values = {r["value"] for r in rows}
        assert "4400430123456789" in values and "'=cmd.shop" in values  # formula defused
        wb = load_workbook(io.BytesIO(export_shop(prof, "xlsx")))
        assert wb["indicators"].max_row == len(rows) + 1
        assert wb["shop"]["B2"].value == "@export_oper"
        graph = neighbours(s, f"shop:{prof.shop.id}")
        g = nx.read_gexf(io.BytesIO(export_shop(prof, "gexf", graph)))
        assert g.has_edge(
            f"shop:{prof.shop.id}", "indicator:" + indicator_id("card", "4400430123456789")
        )
        assert g.nodes[f"shop:{prof.shop.id}"]["label"] == "@export_oper"


def test_path_between_entities(runtime: Runtime) -> None:
    _store(runtime)
    with runtime.db.session() as s:
        _profile(s)
        a = "indicator:" + indicator_id("card", "4400430123456789")
        b = "indicator:" + indicator_id("phone", "+77010001234")
        chain, _graph = path(s, a, b)
        assert chain[0] == a and chain[-1] == b and len(chain) == 3
        other = "indicator:" + indicator_id("telegram", "other_bot")
        assert path(s, a, other)[0] == []

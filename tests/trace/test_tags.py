"""Attribution tags: TagPack and sanctions imports, analyst tags, audit (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from narcowatch.errors import TraceError
from narcowatch.security.audit import verify
from narcowatch.store.tables import AuditRecord
from narcowatch.trace.tag_import import import_sanctions, import_tagpack
from narcowatch.trace.tags import TagIndex, add_tag, remove_tags, tags_for
from tests.trace.conftest import addr

TAGPACK = """
title: Exchanges seen in case 17
creator: analyst@example.org
source: https://example.org/case17
currency: TRX
category: exchange
confidence: service_data
tags:
  - address: {a}
    label: Exchange One hot wallet
  - address: {b}
    label: Mixer M
    category: mixing_service
    confidence: 30
  - address: Tbroken
    label: broken
  - label: no address
"""


def test_tagpack_import_inherits_header_and_reports_bad_tags(any_runtime, tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(TAGPACK.format(a=addr("ex1"), b=addr("mix")), encoding="utf-8")
    with any_runtime.db.session() as s:
        report = import_tagpack(s, path, created_by="alice")
    assert report.imported == 2 and report.skipped == 2
    assert [n for n, _ in report.errors] == [3, 4]
    with any_runtime.db.session() as s:
        found = tags_for(s, "tron", [addr("ex1"), addr("mix")])
        index = TagIndex.load(s, "tron")
        assert verify(s) == []
    ex = found[addr("ex1")][0]
    assert (ex.category, ex.confidence, ex.source, ex.origin) == (
        "exchange",
        80,
        "https://example.org/case17",
        "tagpack",
    )
    assert found[addr("mix")][0].category == "mixer" and found[addr("mix")][0].confidence == 30
    assert index.stop_tag(addr("mix"), frozenset({"mixer"})) is not None
    # importing twice updates instead of duplicating
    with any_runtime.db.session() as s:
        import_tagpack(s, path, created_by="alice")
        assert len(tags_for(s, "tron", [addr("ex1")])[addr("ex1")]) == 1


def test_sanctions_csv(any_runtime, tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_text(
        "Address,Currency,Name,Program\n"
        f"{addr('bad')},USDT,Sanctioned Person,CYBER2\n"
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2,BTC,Other Person,SDGT\n"
        "nonsense,BTC,Broken,\n",
        encoding="utf-8",
    )
    with any_runtime.db.session() as s:
        report = import_sanctions(s, path, source="OFAC SDN 2024-05")
        found = tags_for(s, "tron", [addr("bad")])[addr("bad")][0]
    assert report.imported == 2 and report.errors[0][0] == 4
    assert (found.category, found.confidence, found.label) == (
        "sanctioned",
        100,
        "Sanctioned Person",
    )


def test_analyst_tag_needs_source_and_is_audited(any_runtime) -> None:
    with any_runtime.db.session() as s:
        with pytest.raises(TraceError) as err:
            add_tag(s, chain="tron", address=addr("x"), label="Shop", category="shop", source="")
        assert err.value.code == "E820"
        add_tag(
            s,
            chain="tron",
            address=addr("x"),
            label="Shop Kaif",
            category="shop",
            source="channel post 2024-05-01",
            confidence=70,
            created_by="bob",
        )
    with any_runtime.db.session() as s:
        assert tags_for(s, "tron", [addr("x")])[addr("x")][0].label == "Shop Kaif"
        assert remove_tags(s, "tron", addr("x"), actor="bob") == 1
        actions = [a.action for a in s.scalars(select(AuditRecord).order_by(AuditRecord.seq))]
        assert actions == ["trace.tag.add", "trace.tag.remove"]
        assert verify(s) == []

"""`narcowatch demo --no-serve` end to end on a fresh data directory, run twice."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from narcowatch.cli.main import app
from narcowatch.demo.accounts import read_logins
from narcowatch.demo.generate import REPORTS_FILE, read_manifest
from narcowatch.demo.run import prepare_data
from narcowatch.runtime import Runtime
from narcowatch.security.users import authenticate
from narcowatch.settings import load_settings
from narcowatch.store.tables import (
    AuditRecord,
    DetectionRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ReportRecord,
    ShopMemberRecord,
    ShopRecord,
    SourceRecord,
    UserRecord,
)
from narcowatch.store.tables_reports import ReportCampaignRecord

SIZE = 250
COUNTED = (
    ItemRecord,
    SourceRecord,
    DetectionRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ShopRecord,
    ShopMemberRecord,
    ReportRecord,
    UserRecord,
    AuditRecord,
    ReportCampaignRecord,
)


def _counts(session: Session) -> dict[str, int]:
    return {
        table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
        for table in COUNTED
    }


def _run_demo(data_dir: Path) -> str:
    result = CliRunner().invoke(
        app, ["demo", "--no-serve", "--data-dir", str(data_dir), "--size", str(SIZE)]
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # Rich wraps lines at the terminal width


def _shop_sources(session: Session) -> dict[str, set[str]]:
    """Surviving shop id -> names of the sources its items come from."""
    rows = session.execute(
        select(ShopMemberRecord.shop_id, SourceRecord.name)
        .join(ItemRecord, ItemRecord.id == ShopMemberRecord.member_id)
        .join(SourceRecord, SourceRecord.id == ItemRecord.source_id)
        .join(ShopRecord, ShopRecord.id == ShopMemberRecord.shop_id)
        .where(ShopMemberRecord.member_type == "item", ShopRecord.merged_into.is_(None))
    ).all()
    found: dict[str, set[str]] = defaultdict(set)
    for shop_id, name in rows:
        found[shop_id].add(name)
    return found


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_demo_loads_everything_once(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("NARCOWATCH_DATABASE_URL", "NARCOWATCH_PSEUDONYM_KEY", "NARCOWATCH_DATA_DIR"):
        monkeypatch.delenv(var, raising=False)
    if backend == "postgres":
        monkeypatch.setenv("NARCOWATCH_DATABASE_URL", request.getfixturevalue("pg_url"))
    data_dir = tmp_path / "data"

    first = _run_demo(data_dir)
    assert "(generated)" in first
    manifest = json.loads((data_dir / "demo" / "MANIFEST.json").read_text("utf-8"))
    counts = manifest["counts"]
    rows = [
        json.loads(x) for x in (data_dir / "demo" / REPORTS_FILE).read_text("utf-8").splitlines()
    ]

    rt = Runtime.open(load_settings(data_dir=data_dir))
    try:
        with rt.db.session() as session:
            before = _counts(session)
            report_items = set(
                session.scalars(
                    select(ItemRecord.id)
                    .join(SourceRecord, SourceRecord.id == ItemRecord.source_id)
                    .where(SourceRecord.kind == "citizen_report")
                )
            )
            assert set(session.scalars(select(ReportRecord.item_id))) <= report_items
            assert len(report_items) >= 0.5 * counts["reports"]
            items = counts["telegram_posts"] + counts["ads"] + len(report_items)
            assert before["raw_items"] == items
            assert (
                session.scalar(
                    select(func.count()).select_from(ItemRecord).where(ItemRecord.status == "new")
                )
                == 0
            )
            queued = session.scalars(
                select(DetectionRecord).where(DetectionRecord.queued.is_(True))
            ).all()
            assert len(queued) >= 0.1 * SIZE
            types = set(session.scalars(select(IndicatorRecord.type)))
            assert {"telegram", "phone"} <= types
            handles = set(
                session.scalars(
                    select(IndicatorRecord.value).where(IndicatorRecord.type == "telegram")
                )
            )
            assert sum(shop["bot"] in handles for shop in manifest["shops"]) >= 4

            # A shop's main channel and its mirror share handles: one shop holds both.
            # Brands end up in one shop only when they really share a card or a phone.
            brands = {shop["brand"]: shop for shop in manifest["shops"]}
            linked = set()
            for sources in _shop_sources(session).values():
                found = [b for b in brands for name in sources if name.startswith(b + " ")]
                for brand in set(found):
                    if found.count(brand) >= 2:
                        linked.add(brand)
                for a in set(found):
                    for b in set(found) - {a}:
                        assert brands[b]["key"] in brands[a]["shared_with"], (a, b, sources)
            assert len(linked) >= 2, linked

            reports = session.scalars(select(ReportRecord)).all()
            assert len(reports) == len(rows) == counts["reports"]
            assert {r.channel for r in reports} == {"import"}
            key = (data_dir / "pseudonym.key").read_text("utf-8").strip().encode()
            expected = {
                hmac.new(key, f"import:{row['reporter']}".encode(), hashlib.sha256).hexdigest()
                for row in rows
            }
            assert {r.pseudonym for r in reports} == expected
            assert all(row["reporter"] not in r.pseudonym for r in reports for row in rows[:3])
            campaigns = {c.code: c.region for c in session.scalars(select(ReportCampaignRecord))}
            assert campaigns["TARAZ-BOT-SYNTH"] == "jambyl"
            assert {r.campaign for r in reports if r.campaign} <= set(campaigns)
            for report in reports:
                item = session.get(ItemRecord, report.item_id)
                assert item is not None and report.text in item.text and item.status == "done"
            # Photos of stencilled walls: stored cleaned, their QR code read into the item.
            with_photo = {row["id"] for row in rows if row.get("photo")}
            assert with_photo
            pictured = [r for r in reports if r.blobs]
            assert len(pictured) == len(with_photo)
            for report in pictured:
                item = session.get(ItemRecord, report.item_id)
                assert item is not None and "https://t.me/" in item.text
                assert rt.blobs.exists(report.blobs[0]["sha256"])
            # Every citizen report reaches the analyst queue (the reporting area's rule).
            queued_reports = session.scalars(
                select(DetectionRecord.item_id).where(
                    DetectionRecord.classifier == "citizen-report.v1",
                    DetectionRecord.queued.is_(True),
                )
            ).all()
            assert set(queued_reports) == report_items

            logins = read_logins(data_dir / "demo-login.txt")
            roles = {u.username: u.role for u in session.scalars(select(UserRecord))}
            assert roles == {"demo": "analyst", "demo-supervisor": "supervisor"}
            for username, password in logins.items():
                assert authenticate(session, username, password) is not None
                assert password in first
    finally:
        rt.close()

    second = _run_demo(data_dir)
    assert "already there, reused" in second and "0 new items" in second
    assert read_logins(data_dir / "demo-login.txt") == logins
    rt = Runtime.open(load_settings(data_dir=data_dir))
    try:
        with rt.db.session() as session:
            assert _counts(session) == before
    finally:
        rt.close()


def test_demo_refuses_a_folder_that_is_not_a_demo_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NARCOWATCH_DATABASE_URL", raising=False)
    precious = tmp_path / "data" / "demo" / "notes.txt"
    precious.parent.mkdir(parents=True)
    precious.write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["demo", "--no-serve", "--data-dir", str(tmp_path / "data"), "--size", "100"]
    )
    assert result.exit_code == 2
    assert "E191" in result.output
    assert precious.read_text(encoding="utf-8") == "mine"


def test_demo_regenerates_a_damaged_set_and_refuses_a_tiny_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NARCOWATCH_DATABASE_URL", raising=False)
    demo_dir = tmp_path / "data" / "demo"
    prepare_data(demo_dir, seed=5, size=60)
    assert not prepare_data(demo_dir, seed=5, size=60)  # same set: kept
    export = next(demo_dir.glob("telegram/*/result.json"))
    export.write_text("{", encoding="utf-8")  # damaged
    assert prepare_data(demo_dir, seed=5, size=60)
    assert json.loads(export.read_text("utf-8"))["messages"]
    assert not (tmp_path / "data" / "demo.partial").exists()
    result = CliRunner().invoke(
        app, ["demo", "--no-serve", "--data-dir", str(tmp_path / "data"), "--size", "10"]
    )
    assert result.exit_code == 2 and "E190" in result.output
    assert read_manifest(demo_dir) is not None  # the good set is still there


def test_demo_generate_writes_a_synthetic_set(tmp_path: Path) -> None:
    out = tmp_path / "set"
    result = CliRunner().invoke(app, ["demo", "generate", str(out), "--seed", "3", "--size", "120"])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in " ".join(result.output.split())
    manifest = json.loads((out / "MANIFEST.json").read_text("utf-8"))
    assert manifest["seed"] == 3 and manifest["size"] == 120
    assert manifest["counts"]["telegram_posts"] + manifest["counts"]["ads"] == 120

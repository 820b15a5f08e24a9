"""`narcowatch shops` commands end to end on a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from narcowatch.cli.common import open_runtime
from narcowatch.cli.main import app
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import AuditRecord, ShopRecord
from tests.link.conftest import add_item


def test_relink_search_export_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARCOWATCH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("NARCOWATCH_ACTOR", "cli-analyst")
    data = str(tmp_path / "data")
    rt = open_runtime(data)
    with rt.db.session() as s:
        for n in range(3):
            add_item(
                s, n, f"товар {n} @cli_oper", [("telegram", "cli_oper"), ("card", f"44000{n}")]
            )
            add_item(
                s, 10 + n, f"лот {n} @cli_two", [("telegram", "cli_two"), ("card", f"44000{n}")]
            )
    runner = CliRunner()
    res = runner.invoke(app, ["shops", "relink", "--data-dir", data])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("1 shops from 6 posts")
    found = runner.invoke(
        app, ["shops", "search", "cli_oper", "--kind", "shop", "--data-dir", data]
    )
    assert found.exit_code == 0 and "shop" in found.output
    with rt.db.session() as s:
        shop_id = s.scalars(select(ShopRecord.id).where(ShopRecord.status == "active")).one()
    out = tmp_path / "shop.ftm.json"
    res = runner.invoke(app, ["shops", "export", shop_id, "--out", str(out), "--data-dir", data])
    assert res.exit_code == 0, res.output
    schemas = {json.loads(line)["schema"] for line in out.read_text().splitlines()}
    assert {"Organization", "UserAccount", "BankAccount", "Ownership"} <= schemas
    # the shared cards are a mule pool: mark them and the two operators come apart
    for n in range(3):
        hub = runner.invoke(
            app, ["shops", "hub", indicator_id("card", f"44000{n}"), "--data-dir", data]
        )
        assert hub.exit_code == 0, hub.output
    res = runner.invoke(app, ["shops", "relink", "--no-near-dups", "--data-dir", data])
    assert res.output.startswith("2 shops"), res.output
    bad = runner.invoke(app, ["shops", "export", "nope", "--out", str(out), "--data-dir", data])
    assert bad.exit_code != 0 and "E460" in bad.output
    with rt.db.session() as s:
        assert (
            s.scalars(select(AuditRecord.actor).where(AuditRecord.action == "shop.hub")).all()
            == ["cli-analyst"] * 3
        )

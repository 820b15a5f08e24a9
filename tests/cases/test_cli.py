"""The CLI end to end: capture, show, export, verify (clean and tampered), case commands."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narcowatch.cli.main import app

pytestmark = pytest.mark.browser


@pytest.fixture
def env(tmp_path: Path, tsa, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NARCOWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NARCOWATCH_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("NARCOWATCH_TSA_URL", tsa.url)
    monkeypatch.setenv("NARCOWATCH_TSA_CA_FILE", str(tsa.ca_file))
    monkeypatch.setenv("NARCOWATCH_ACTOR", "analyst1")
    monkeypatch.setenv("NARCOWATCH_CONFIG", str(tmp_path / "none.toml"))
    return tmp_path


def test_capture_export_verify_and_tamper(env: Path, site) -> None:
    runner = CliRunner()
    case = runner.invoke(app, ["case", "create", "--title", "Snow"])
    assert case.exit_code == 0, case.output
    case_id = case.stdout.strip()
    cap = runner.invoke(app, ["evidence", "capture", site.url("/shop"), "--case", case_id])
    assert cap.exit_code == 0, cap.output
    ev_id = cap.output.split()[1].rstrip(":")
    shown = json.loads(runner.invoke(app, ["evidence", "show", ev_id]).stdout)
    assert shown["status"] == "captured" and shown["custody_problems"] == []
    assert [c["action"] for c in shown["custody"]] == ["captured", "timestamped", "viewed"]
    links = json.loads(runner.invoke(app, ["case", "show", case_id]).stdout)["links"]
    assert ["evidence", ev_id] in links

    out = runner.invoke(app, ["evidence", "export", ev_id, "--out", str(env)])
    assert out.exit_code == 0, out.output
    package = Path(out.stdout.strip())
    ok = runner.invoke(app, ["evidence", "verify", str(package)])
    assert ok.exit_code == 0 and "intact" in ok.stdout

    bad = env / "bad.zip"
    with zipfile.ZipFile(package) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("main.dom.html"):
                data = data.replace(b"</h1>", b"!</h1>", 1)
            zout.writestr(info.filename, data)
    res = runner.invoke(app, ["evidence", "verify", str(bad)])
    assert res.exit_code == 1
    assert f"MISMATCH evidence/{ev_id}/artefacts/main.dom.html: SHA-256 differs" in res.stdout


def test_bad_input_gives_coded_errors(env: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["case", "status", "nope", "blocked"])
    assert res.exit_code == 2 and "E901" in res.output
    res = runner.invoke(app, ["evidence", "verify", str(env / "missing.zip")])
    assert res.exit_code == 2 and "E932" in res.output
    res = runner.invoke(app, ["case", "request-export", "x", "--out", str(env / "a.doc")])
    assert res.exit_code == 2 and "E947" in res.output


def test_blocking_request_commands(env: Path, site) -> None:
    from narcowatch.runtime import Runtime
    from narcowatch.settings import load_settings
    from tests.cases.factories import make_item

    rt = Runtime.open(load_settings())
    with rt.db.session() as s:
        item = make_item(s, "c1", url=site.url("/shop"))
        item_id = item.id
    rt.close()
    runner = CliRunner()
    case_id = runner.invoke(app, ["case", "create", "--item", item_id]).stdout.strip()
    req = runner.invoke(app, ["case", "request", "--case", case_id, "--item", item_id])
    assert req.exit_code == 0, req.output
    req_id = req.stdout.strip()
    for fmt in ("xlsx", "csv", "pdf"):
        out = env / f"letter.{fmt}"
        res = runner.invoke(
            app, ["case", "request-export", req_id, "--out", str(out), "--lang", "kk"]
        )
        assert res.exit_code == 0 and out.stat().st_size > 100, res.output
    assert "Мекенжай" in (env / "letter.csv").read_text(encoding="utf-8-sig")
    for state in ("sent", "blocked"):
        res = runner.invoke(app, ["case", "request-status", req_id, state])
        assert res.exit_code == 0, res.output
    listed = runner.invoke(app, ["case", "requests"]).stdout
    assert req_id in listed and "blocked" in listed
    rechecked = json.loads(runner.invoke(app, ["case", "recheck", "--every", "3600"]).stdout)
    assert rechecked["checked"] == 1 and rechecked["reappeared"] == 1
    report = json.loads(runner.invoke(app, ["case", "report"]).stdout)
    assert report["blocked_targets"] == 1 and report["reappearance_rate"] == 1.0
    assert runner.invoke(app, ["case", "jobs"]).stdout == ""  # the next re-check is in an hour
    shown = json.loads(runner.invoke(app, ["case", "show", case_id]).stdout)
    assert shown["status"] == "blocked" and "reappeared" in shown["notes"][-1]["text"]

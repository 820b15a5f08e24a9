"""The `narcowatch trace` commands, end to end on a temporary data directory."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from narcowatch.cli.main import app
from tests.trace.conftest import SMALL_GRAPH, addr, write_plain_csv

runner = CliRunner()


def call(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output.replace("\n", " ").replace("  ", " ")


def test_import_tag_trace_save(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    data = str(tmp_path / "data")
    csv = write_plain_csv(tmp_path / "t.csv", SMALL_GRAPH)
    code, out = call("trace", "import", str(csv), "--data-dir", data)
    assert code == 0 and "7 imported" in out
    code, out = call("trace", "import", str(csv), "--data-dir", data)
    assert "0 imported, 7 duplicates" in out
    code, out = call(
        "trace",
        "tag",
        "add",
        addr("X"),
        "Exchange X",
        "--category",
        "exchange",
        "--source",
        "subpoena reply 12",
        "--confidence",
        "90",
        "--data-dir",
        data,
    )
    assert code == 0, out
    code, out = call(
        "trace",
        "run",
        addr("S"),
        "--model",
        "haircut",
        "--format",
        "json",
        "--save",
        "--data-dir",
        data,
    )
    assert code == 0, out
    payload = json.loads(out[out.index("{") :])
    assert payload["cashouts"][0]["amount"] == "100"
    assert payload["cashouts"][0]["label"] == "Exchange X"
    assert "saved trace run" in out
    code, out = call("trace", "run", addr("S"), "--format", "csv", "--data-dir", data)
    assert "address,label,category,source" in out
    assert addr("X") in out
    code, out = call("trace", "tag", "show", addr("X"), "--data-dir", data)
    assert "Exchange X [exchange, subpoena reply 12, 90]" in out


def test_bad_input_gets_coded_messages(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    data = str(tmp_path / "data")
    code, out = call("trace", "run", addr("S"), "--data-dir", data)
    assert code == 2 and "E833" in out  # nothing imported yet
    call(
        "trace", "import", str(write_plain_csv(tmp_path / "t.csv", SMALL_GRAPH)), "--data-dir", data
    )
    call(
        "trace",
        "tag",
        "add",
        addr("X"),
        "X",
        "--category",
        "exchange",
        "--source",
        "s",
        "--data-dir",
        data,
    )
    code, out = call("trace", "run", addr("X"), "--data-dir", data)
    assert code == 2 and "E831" in out
    code, out = call("trace", "run", addr("nobody"), "--data-dir", data)
    assert code == 2 and "E830" in out
    code, out = call("trace", "run", addr("S"), "--since", "yesterday", "--data-dir", data)
    assert code == 2 and "E832" in out
    code, out = call("trace", "run", addr("S"), "--max-transfers", "1", "--data-dir", data)
    assert code == 0 and "exceed the limits" in out


def test_deposits_cluster_and_requisites_commands(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    data = str(tmp_path / "data")
    sweep = [("s1", "U", "D", "40", 10), ("s2", "V", "D", "60", 20), ("s3", "D", "X", "100", 30)]
    call("trace", "import", str(write_plain_csv(tmp_path / "d.csv", sweep)), "--data-dir", data)
    call(
        "trace",
        "tag",
        "add",
        addr("X"),
        "Exchange X",
        "--category",
        "exchange",
        "--source",
        "s",
        "--data-dir",
        data,
    )
    code, out = call("trace", "deposits", "--data-dir", data)
    assert code == 0 and addr("D") in out and "(dry run)" in out
    code, out = call("trace", "deposits", "--apply", "--data-dir", data)
    assert "1 deposit addresses tagged" in out
    code, out = call("trace", "tag", "show", addr("D"), "--data-dir", data)
    assert "Exchange X deposit [exchange, narcowatch deposit detection v1, 60]" in out
    code, out = call("trace", "cluster", "--data-dir", data)
    assert code == 2 and "E837" in out
    code, out = call("trace", "requisites", "-o", str(tmp_path / "cards.xlsx"), "--data-dir", data)
    assert code == 0 and "wrote 0 requisites" in out
    code, out = call("trace", "compact", "--data-dir", data)
    assert "3 transfers" in out

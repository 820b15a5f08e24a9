"""`narcowatch ingest`: coded errors and exit code 2, never a traceback; files are atomic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from narcowatch.cli.main import app
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings
from narcowatch.store.tables import ItemRecord

FIXTURES = Path(__file__).parents[1] / "fixtures"
CHANNEL = FIXTURES / "telegram" / "channel_snow" / "result.json"
MALFORMED = FIXTURES / "telegram" / "malformed" / "result.json"
CLI = [sys.executable, "-c", "from narcowatch.cli.main import app; app()"]


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def count_items(data_dir: Path) -> int:
    rt = Runtime.open(Settings(data_dir=data_dir))
    try:
        with rt.db.session() as s:
            return s.scalar(select(func.count()).select_from(ItemRecord)) or 0
    finally:
        rt.close()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's narcowatch.toml and NARCOWATCH_* variables out of the CLI."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("NARCOWATCH_") and key != "NARCOWATCH_TEST_DATABASE_URL":
            monkeypatch.delenv(key)


def test_good_file_then_bad_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = invoke("ingest", str(CHANNEL), str(MALFORMED), "--no-run", "--data-dir", str(data))
    assert code == 2
    assert "11 new" in out  # the first file was committed on its own
    assert "E107" in out and "truncated" in out and str(MALFORMED.name) in out
    assert "Traceback" not in out
    assert count_items(data) == 11


def test_missing_file_exit_code(tmp_path: Path) -> None:
    code, out = invoke("ingest", str(tmp_path / "none.json"), "--data-dir", str(tmp_path / "d"))
    assert code == 2 and "E101" in out and "not found" in out


def test_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "ads.csv"
    path.write_text("id;title;body\n1;a;b\n", encoding="utf-8")
    code, out = invoke("ingest", str(path), "--no-run", "--data-dir", str(tmp_path / "d"))
    assert code == 2 and "E110" in out and "'body'" in out
    code, out = invoke(
        "ingest", str(path), "--text-column", "body", "--no-run", "--data-dir", str(tmp_path / "d")
    )
    assert code == 0 and "1 new" in out


def test_real_process_prints_the_coded_error_for_a_huge_file(tmp_path: Path) -> None:
    huge = tmp_path / "huge.json"
    with huge.open("wb") as fh:
        fh.truncate(1024**3)  # sparse
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARCOWATCH_")}
    proc = subprocess.run(
        [*CLI, "ingest", str(huge), "--data-dir", str(tmp_path / "d")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    err = " ".join(proc.stderr.split())
    assert "E104" in err and "huge.json" in err and "Traceback" not in err

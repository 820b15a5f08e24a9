"""`narcowatch users add` and `narcowatch audit verify` through the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from narcowatch.cli import web_cmds
from narcowatch.runtime import Runtime
from narcowatch.security.users import authenticate
from narcowatch.settings import Settings


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    web_cmds.register(app)
    return app


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no narcowatch.toml from the working tree
    for name in ("NARCOWATCH_DATA_DIR", "NARCOWATCH_DATABASE_URL", "NARCOWATCH_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


def _run(cli: typer.Typer, *args: str, data_dir: Path, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)], input=stdin)


def test_users_add_with_prompt_then_verify(cli: typer.Typer, data_dir: Path) -> None:
    result = _run(
        cli,
        "users",
        "add",
        "Anna",
        "--role",
        "supervisor",
        data_dir=data_dir,
        stdin="long enough pw\nlong enough pw\n",
    )
    assert result.exit_code == 0, result.output
    assert "long enough pw" not in result.output
    rt = Runtime.open(Settings(data_dir=data_dir))
    try:
        with rt.db.session() as session:
            user = authenticate(session, "anna", "long enough pw")
            assert user is not None and user.role == "supervisor"
    finally:
        rt.close()
    verified = _run(cli, "audit", "verify", data_dir=data_dir)
    assert verified.exit_code == 0
    assert "audit log intact: 1 entries" in verified.output


def test_users_add_refuses_bad_role_with_a_code(cli: typer.Typer, data_dir: Path) -> None:
    result = _run(
        cli,
        "users",
        "add",
        "anna",
        "--role",
        "root",
        "--password",
        "long enough pw",
        data_dir=data_dir,
    )
    assert result.exit_code == 2
    assert "E501" in result.output


def test_audit_verify_names_the_tampered_seq(cli: typer.Typer, data_dir: Path) -> None:
    for name in ("anna", "boris", "carl"):
        result = _run(cli, "users", "add", name, "--password", "long enough pw", data_dir=data_dir)
        assert result.exit_code == 0
    rt = Runtime.open(Settings(data_dir=data_dir))
    try:
        with rt.db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_entries SET details = '{}' WHERE seq = 2"))
    finally:
        rt.close()
    result = _run(cli, "audit", "verify", data_dir=data_dir)
    assert result.exit_code == 1
    assert "TAMPERED" in result.output
    assert "seq 2: content does not match its hash (modified)" in result.output

"""QR posters: the code decodes to the deep link (zbarimg), the PDF is a real A4 page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from narcowatch.cli import bot_cmds
from narcowatch.reports.campaigns import deep_link
from narcowatch.reports.errors import ReportError
from narcowatch.reports.qr import make_poster
from narcowatch.runtime import Runtime
from narcowatch.settings import load_settings
from narcowatch.store.tables_reports import ReportCampaignRecord
from tests.fakes.telegram_bot_api import TOKEN, running_fake


def decode(png: Path) -> str:
    zbar = shutil.which("zbarimg")
    if zbar is None:
        pytest.skip("zbar-tools is not installed")
    out = subprocess.run(
        [zbar, "-q", "--raw", str(png)], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_poster_files(tmp_path: Path) -> None:
    link = deep_link("@narko_shekteu_bot", "TRZ-01")
    assert link == "https://t.me/narko_shekteu_bot?start=TRZ-01"
    files = make_poster(link, "TRZ-01", tmp_path)
    assert decode(files.png) == link
    assert files.svg.read_text().lstrip().startswith("<?xml")
    pdf = files.pdf.read_bytes()
    assert pdf.startswith(b"%PDF") and b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf
    assert b"DejaVuSans" in pdf
    with pytest.raises(ReportError):
        deep_link("bot", "has space")


def test_cli_qr_asks_the_bot_name_and_records_the_campaign(tmp_path: Path) -> None:
    app = typer.Typer()
    bot_cmds.register(app)
    data = tmp_path / "data"
    with running_fake() as tg:
        env = {
            "NARCOWATCH_BOT_TOKEN": TOKEN,
            "NARCOWATCH_BOT_API_BASE": tg.base_url,
            "NARCOWATCH_PSEUDONYM_KEY": "k",
            "NARCOWATCH_CONFIG": str(tmp_path / "none.toml"),
        }
        result = CliRunner().invoke(
            app,
            ["bot", "qr", "--campaign", "SHY-3", "--region", "shymkent", "--data-dir", str(data)],
            env=env,
        )
    assert result.exit_code == 0, result.output
    png = data / "posters" / "SHY-3.png"
    assert decode(png) == "https://t.me/narcowatch_test_bot?start=SHY-3"
    assert (data / "posters" / "SHY-3-poster.pdf").exists()
    rt = Runtime.open(load_settings(data_dir=data, pseudonym_key="k"))
    with rt.db.session() as s:
        assert s.get(ReportCampaignRecord, "SHY-3").region == "shymkent"  # type: ignore[union-attr]
    rt.close()
    stats = CliRunner().invoke(
        app,
        ["bot", "stats", "--json", "--data-dir", str(data)],
        env={"NARCOWATCH_CONFIG": str(tmp_path / "none.toml")},
    )
    assert stats.exit_code == 0 and '"total": 0' in stats.output

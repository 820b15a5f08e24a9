"""`narcowatch bot`: run the citizen-reporting bot; `bot qr`, `bot stats`, `bot process`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import httpx
import typer

from narcowatch.cli.common import console, open_runtime, user_errors
from narcowatch.errors import NarcowatchError

DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]

bot_app = typer.Typer(
    help="The citizen-reporting Telegram bot (run it, make QR posters, see statistics).",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(bot_app, name="bot")


@bot_app.callback()
def bot(
    ctx: typer.Context,
    pipeline: Annotated[
        bool, typer.Option("--pipeline/--no-pipeline", help="Run reports through the pipeline.")
    ] = True,
    data_dir: DataDir = None,
) -> None:
    """Run the bot (long polling) until Ctrl-C; the token comes from the settings."""
    if ctx.invoked_subcommand is not None:
        return
    with user_errors():
        from narcowatch.bot.main import run_bot  # aiogram is slow to import: only when needed

        rt = open_runtime(data_dir)
        console.print(f"bot: polling {rt.settings.bot_api_base} (Ctrl-C stops)")
        rt.close()
        run_bot(rt.settings, pipeline=pipeline)


def _bot_name(base: str, token: str) -> str:
    if not token:
        raise NarcowatchError("give --bot-name, or set the bot token to ask Telegram", code="E181")
    try:
        answer = httpx.get(f"{base.rstrip('/')}/bot{token}/getMe", timeout=15).json()
    except (httpx.HTTPError, ValueError) as exc:
        raise NarcowatchError(
            f"cannot ask Telegram for the bot's name: {exc}", code="E182"
        ) from exc
    if not answer.get("ok"):
        raise NarcowatchError(f"Telegram refused getMe: {answer.get('description')}", code="E182")
    return str(answer["result"]["username"])


@bot_app.command("qr")
def qr(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign or district code.")],
    bot_name: Annotated[
        str | None, typer.Option("--bot-name", help="Bot username (default: ask getMe).")
    ] = None,
    region: Annotated[str | None, typer.Option(help="Region the posters go up in.")] = None,
    title: Annotated[str, typer.Option(help="A note on the campaign.")] = "",
    out: Annotated[Path | None, typer.Option(help="Folder (default: data_dir/posters).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Write an SVG and a PNG QR code with the bot deep link, and an A4 poster PDF (ru/kk)."""
    with user_errors():
        from narcowatch.reports.campaigns import deep_link, upsert_campaign
        from narcowatch.reports.qr import make_poster

        rt = open_runtime(data_dir)
        name = bot_name or _bot_name(rt.settings.bot_api_base, rt.settings.bot_token)
        link = deep_link(name, campaign)
        with rt.db.session() as session:
            upsert_campaign(session, campaign, region=region, title=title)
        files = make_poster(link, campaign, out or rt.settings.data_dir / "posters")
        rt.close()
        console.print(f"link: {link}")
        for path in (files.svg, files.png, files.pdf):
            console.print(f"wrote {path}")


@bot_app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Reports per day, kind, campaign and region; share blocked; time to block."""
    with user_errors():
        from narcowatch.reports.stats import report_stats

        rt = open_runtime(data_dir)
        with rt.db.session() as session:
            result = report_stats(session).to_dict()
        rt.close()
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            return
        console.print(f"reports: {result['total']}  distinct links: {result['distinct_links']}")
        console.print(
            f"blocked: {result['blocked']} ({result['share_blocked']:.1%}); hours to block: "
            f"median {result['median_hours_to_block']}, mean {result['mean_hours_to_block']}"
        )
        for key in ("per_day", "per_kind", "per_campaign", "per_region", "per_status"):
            cells = ", ".join(f"{k}={v}" for k, v in result[key].items()) or "-"
            console.print(f"  {key.removeprefix('per_')}: {cells}")


@bot_app.command("process")
def process(data_dir: DataDir = None) -> None:
    """Run reports not yet processed through the pipeline (the bot does this by itself)."""
    with user_errors():
        from narcowatch.ingest.reports import process_reports

        rt = open_runtime(data_dir)
        result = process_reports(rt)
        rt.close()
        console.print(
            f"{result.reports} reports -> {result.items} items, {result.processed} processed"
        )

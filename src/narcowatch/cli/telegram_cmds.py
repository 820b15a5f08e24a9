"""`narcowatch telegram login`: create the Telethon session the MTProto source reads with."""

from __future__ import annotations

import asyncio

import typer

from narcowatch.cli.common import console, user_errors
from narcowatch.i18n import t
from narcowatch.ingest.telegram_mtproto import login
from narcowatch.settings import load_settings

telegram_app = typer.Typer(help="The operator's Telegram account for `telegram_mtproto` sources.")


@telegram_app.command("login")
def telegram_login(
    phone: str = typer.Option(None, help="Phone number of the account (+7...)."),
    data_dir: str = typer.Option(None, help="Data directory."),
) -> None:
    """Log the account in (phone, then the code Telegram sends) and save the session file."""
    with user_errors():
        settings = load_settings(data_dir=data_dir)
        lang = settings.default_lang
        phone = phone or typer.prompt(t("telegram.phone", lang))
        info = asyncio.run(
            login(
                settings,
                phone,
                lambda: typer.prompt(t("telegram.code", lang)),
                lambda: typer.prompt(t("telegram.password", lang), hide_input=True),
            )
        )
        console.print(t("telegram.logged_in", lang, **info))


def register(app: typer.Typer) -> None:
    app.add_typer(telegram_app, name="telegram")

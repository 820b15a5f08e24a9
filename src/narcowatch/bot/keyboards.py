"""Inline keyboards of the dialogue, as Bot API JSON (kept with replies for redelivery).

Built once per language and cached: they never change while the bot runs, and building
the aiogram models for every reply was a visible share of the CPU time under load.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from narcowatch.i18n import LANG_NAMES, LANGS, t
from narcowatch.reports.kinds import KINDS

Markup = dict[str, Any]


def _markup(rows: list[list[tuple[str, str]]]) -> Markup:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )
    return keyboard.model_dump(mode="json", exclude_none=True)


@cache
def languages() -> Markup:
    return _markup([[(LANG_NAMES[lang], f"lang:{lang}") for lang in LANGS]])


@cache
def kinds(lang: str) -> Markup:
    rows = [[(t(f"bot.kind.{kind}", lang), f"kind:{kind}")] for kind in KINDS]
    return _markup([*rows, [(t("bot.btn.cancel", lang), "cancel")]])


@cache
def collecting(lang: str) -> Markup:
    return _markup([[(t("bot.btn.done", lang), "done"), (t("bot.btn.cancel", lang), "cancel")]])


@cache
def confirm(lang: str) -> Markup:
    return _markup([[(t("bot.btn.send", lang), "send"), (t("bot.btn.cancel", lang), "cancel")]])


@cache
def gps_consent(lang: str) -> Markup:
    return _markup(
        [[(t("bot.btn.gps_yes", lang), "gps:yes"), (t("bot.btn.gps_no", lang), "gps:no")]]
    )

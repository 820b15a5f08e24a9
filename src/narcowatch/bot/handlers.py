"""Commands and buttons of the dialogue: language, kind menu, done, send, cancel, status.

Every handler works on ``Ctx`` (dialogue state, transaction, outbox) and never calls
Telegram itself; see ``bot.context``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.types import CallbackQuery, Message

from narcowatch.bot import keyboards as kb
from narcowatch.bot.collect import absorb, summary
from narcowatch.bot.context import Ctx
from narcowatch.i18n import LANGS
from narcowatch.reports import errors as codes
from narcowatch.reports.campaigns import campaign_from_payload
from narcowatch.reports.errors import ReportError
from narcowatch.reports.images import add_gps
from narcowatch.reports.kinds import KINDS
from narcowatch.reports.submit import PhotoRef, ReportDraft, reports_of, submit_report

# (event, filters, handler), in order; ``make_router`` registers them on a fresh Router,
# since an aiogram Router belongs to one dispatcher and tests run several bots.
HANDLERS: list[tuple[str, tuple[Any, ...], Callable[..., Any]]] = []


def on(event: str, *filters: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        HANDLERS.append((event, filters, handler))
        return handler

    return register


def make_router() -> Router:
    router = Router(name="citizen-reports")
    for event, filters, handler in HANDLERS:
        getattr(router, event).register(handler, *filters)
    return router


class Data(Filter):
    """Button data equal to (or starting with) a value.

    An async filter: aiogram runs synchronous filters (``F.data == ...``) in a worker
    thread per check, which cost more than the whole handler under load.
    """

    def __init__(self, value: str, prefix: bool = False) -> None:
        self.value = value
        self.prefix = prefix

    async def __call__(self, query: CallbackQuery) -> bool:
        data = query.data or ""
        return data.startswith(self.value) if self.prefix else data == self.value


ERROR_KEYS = {
    codes.EMPTY_REPORT: "bot.empty",
    codes.TOO_MANY_REPORTS: "bot.error.too_many",
    codes.TEXT_TOO_LONG: "bot.error.text_too_long",
    codes.NOT_AN_IMAGE: "bot.error.not_image",
    codes.FILE_TOO_LARGE: "bot.error.too_large",
}


def show_menu(ctx: Ctx, welcome: bool = False) -> None:
    ctx.dialogue.state = "menu"
    text = ctx.text("bot.menu")
    if welcome:
        text = ctx.text("bot.welcome") + "\n\n" + text
    ctx.send(text, kb.kinds(ctx.lang))


@on("message", CommandStart())
async def on_start(message: Message, command: CommandObject, ctx: Ctx) -> None:
    dialogue = ctx.dialogue
    campaign = campaign_from_payload(command.args)
    if campaign:
        dialogue.data["campaign"] = campaign
    dialogue.reset_draft()
    if dialogue.known_lang is None:
        dialogue.state = "lang"
        ctx.say("bot.choose_lang", kb.languages())
        return
    show_menu(ctx)


@on("message", Command("lang"))
async def on_lang(message: Message, ctx: Ctx) -> None:
    ctx.dialogue.state = "lang"
    ctx.say("bot.choose_lang", kb.languages())


@on("message", Command("cancel"))
async def on_cancel_command(message: Message, ctx: Ctx) -> None:
    ctx.dialogue.reset_draft()
    ctx.dialogue.state = "idle"
    ctx.say("bot.cancelled")


@on("message", Command("help"))
async def on_help(message: Message, ctx: Ctx) -> None:
    ctx.say("bot.help")


@on("message", Command("status"))
async def on_status(message: Message, ctx: Ctx) -> None:
    reports = reports_of(ctx.session, ctx.pseudonym)
    if not reports:
        ctx.say("bot.status.none")
        return
    lines = [ctx.text("bot.status.header")]
    for report in reports:
        lines.append(
            ctx.text(
                "bot.status.line",
                number=report.number,
                kind=ctx.text(f"bot.kind.{report.kind}"),
                status=ctx.text(f"bot.status_name.{report.status}"),
            )
        )
    ctx.send("\n".join(lines))


@on("callback_query", Data("lang:", prefix=True))
async def on_lang_chosen(query: CallbackQuery, ctx: Ctx) -> None:
    lang = (query.data or "").partition(":")[2]
    first = ctx.dialogue.known_lang is None
    ctx.dialogue.set_lang(lang if lang in LANGS else "ru")
    ctx.answer(query.id)
    show_menu(ctx, welcome=first)


@on("callback_query", Data("kind:", prefix=True))
async def on_kind(query: CallbackQuery, ctx: Ctx) -> None:
    kind = (query.data or "").partition(":")[2]
    if kind not in KINDS or ctx.dialogue.state not in ("menu", "idle", "new"):
        ctx.answer(query.id, ctx.text("bot.expired"))
        return
    ctx.dialogue.data["draft"] = {
        "kind": kind,
        "token": f"u{ctx.update_id}",
        "texts": [],
        "links": [],
        "photos": [],
    }
    ctx.dialogue.state = "collect"
    ctx.answer(query.id)
    ctx.say(f"bot.prompt.{kind}", kb.collecting(ctx.lang))


@on("callback_query", Data("done"))
async def on_done(query: CallbackQuery, ctx: Ctx) -> None:
    ctx.answer(query.id)
    if ctx.dialogue.state != "collect":
        ctx.say("bot.expired")
        return
    draft = ctx.dialogue.draft
    if not (draft.get("texts") or draft.get("links") or draft.get("photos") or "lat" in draft):
        ctx.say("bot.empty", kb.collecting(ctx.lang))
        return
    ctx.dialogue.state = "confirm"
    ctx.send(summary(ctx), kb.confirm(ctx.lang))


@on("callback_query", Data("send"))
async def on_send(query: CallbackQuery, ctx: Ctx) -> None:
    ctx.answer(query.id)
    dialogue = ctx.dialogue
    if dialogue.state != "confirm":
        ctx.say("bot.expired")
        return
    draft = dialogue.draft
    report_draft = ReportDraft(
        channel="bot",
        pseudonym=ctx.pseudonym,
        token=draft["token"],
        kind=draft["kind"],
        text="\n".join(draft.get("texts", [])),
        links=list(draft.get("links", [])),
        photos=[PhotoRef(**p) for p in draft.get("photos", [])],
        lat=draft.get("lat"),
        lon=draft.get("lon"),
        campaign=dialogue.data.get("campaign"),
        lang=ctx.lang,
    )
    try:
        with ctx.session.begin_nested():  # a refused report leaves nothing behind
            report, _created = submit_report(ctx.session, report_draft)
    except ReportError as exc:
        ctx.say(ERROR_KEYS.get(exc.code, "bot.error.generic"))
        return
    dialogue.reset_draft()
    dialogue.state = "idle"
    if query.message is not None:
        ctx.edit(query.message.message_id, summary(ctx, draft) + "\n\n✅ " + report.number)
    ctx.say("bot.submitted", number=report.number)


@on("callback_query", Data("cancel"))
async def on_cancel(query: CallbackQuery, ctx: Ctx) -> None:
    ctx.answer(query.id)
    ctx.dialogue.reset_draft()
    ctx.dialogue.state = "idle"
    ctx.say("bot.cancelled")


@on("callback_query", Data("gps:", prefix=True))
async def on_gps(query: CallbackQuery, ctx: Ctx) -> None:
    ctx.answer(query.id)
    pending = ctx.pending_gps.pop(ctx.pseudonym, None)
    if ctx.dialogue.state != "gps":
        ctx.say("bot.expired")
        return
    ctx.dialogue.state = "collect"
    draft = ctx.dialogue.draft
    if query.data == "gps:yes" and pending is not None:
        lat, lon = pending["gps"]
        data = add_gps(ctx.blobs.get(pending["sha256"]), lat, lon)
        sha = ctx.blobs.put(data)
        for photo in draft.get("photos", []):
            if photo["sha256"] == pending["sha256"]:
                photo.update(sha256=sha, gps=True)
        if "lat" not in draft:
            draft["lat"], draft["lon"] = lat, lon
        ctx.say("bot.gps_kept", kb.collecting(ctx.lang))
    else:
        ctx.say("bot.gps_dropped", kb.collecting(ctx.lang))


@on("callback_query")
async def on_unknown_button(query: CallbackQuery, ctx: Ctx) -> None:
    ctx.answer(query.id, ctx.text("bot.expired"))


@on("message")
async def on_message(message: Message, ctx: Ctx) -> None:
    state = ctx.dialogue.state
    if state == "collect":
        absorb(message, ctx)
    elif state in ("new", "lang") or ctx.dialogue.known_lang is None:
        ctx.dialogue.state = "lang"
        ctx.say("bot.choose_lang", kb.languages())
    elif state == "confirm":
        ctx.send(summary(ctx), kb.confirm(ctx.lang))
    elif state == "gps":
        ctx.say("bot.ask_gps", kb.gps_consent(ctx.lang))
    else:
        show_menu(ctx)

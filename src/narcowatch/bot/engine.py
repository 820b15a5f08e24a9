"""The bot's engine: long polling with exactly-once effects, replies sent after commit.

aiogram's own polling acknowledges an update (the next ``getUpdates`` offset) whatever
happened to it, and runs handlers as loose tasks; a crash or a database outage would lose
reports. Here a batch is processed in one transaction that also records every update as
processed, replies go out only after the commit, and the offset moves on only after that.
A crash before commit means Telegram redelivers and nothing was stored; a crash after it
means the redelivered updates are recognised and only their unsent replies are resent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
)
from aiogram.methods import GetUpdates
from aiogram.types import BotCommand, Update
from aiogram.types.update import UpdateTypeLookupError
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from narcowatch.bot.context import Ctx, Dialogue, Fetched
from narcowatch.bot.handlers import make_router
from narcowatch.bot.limits import FloodLimiter
from narcowatch.bot.media import prefetch
from narcowatch.bot.sender import Sender
from narcowatch.i18n import t
from narcowatch.ids import make_id
from narcowatch.reports.pseudonyms import Pseudonymizer
from narcowatch.reports.tx import write_session
from narcowatch.runtime import Runtime
from narcowatch.store.tables_reports import BotDialogueRecord, BotUpdateRecord

log = logging.getLogger(__name__)

TRANSIENT_DB = (OperationalError, InterfaceError, DisconnectionError)
COMMANDS = {"start": "/start", "status": "/status", "lang": "/lang", "cancel": "/cancel"}


class TransientError(Exception):
    """The batch could not be finished now; it is not acknowledged and will come again."""


@dataclass
class Actor:
    user_id: int
    chat_id: int
    private: bool
    callback_id: str | None = None
    is_start: bool = False


def actor_of(update: Update) -> Actor | None:
    """Who wrote and where, for the two update types a reporter produces."""
    try:
        kind = update.event_type
    except UpdateTypeLookupError:
        return None
    if kind == "message" and update.message is not None:
        msg = update.message
        if msg.from_user is None:
            return None
        return Actor(
            msg.from_user.id,
            msg.chat.id,
            msg.chat.type == "private",
            is_start=(msg.text or "").startswith("/start"),
        )
    if kind == "callback_query" and update.callback_query is not None:
        query = update.callback_query
        if query.message is None:
            return None
        chat = query.message.chat
        return Actor(query.from_user.id, chat.id, chat.type == "private", callback_id=query.id)
    return None


def build_dispatcher() -> Dispatcher:
    dispatcher = Dispatcher(disable_fsm=True)  # the dialogue state is ours (bot.context)
    dispatcher.include_router(make_router())
    return dispatcher


class Engine:
    def __init__(
        self,
        runtime: Runtime,
        bot: Bot,
        *,
        poll_timeout: int = 10,
        batch_limit: int = 100,
        flood: FloodLimiter | None = None,
    ) -> None:
        self.runtime = runtime
        self.bot = bot
        self.dp = build_dispatcher()
        self.poll_timeout = poll_timeout
        self.batch_limit = batch_limit
        self.flood = flood or FloodLimiter()
        self.pseudo = Pseudonymizer.from_settings(runtime.settings)
        self.lang = runtime.settings.default_lang
        # pseudonym -> chat, in memory only: lets answers reach a reporter while we run.
        self.chats: OrderedDict[str, int] = OrderedDict()
        self.pending_gps: dict[str, Any] = {}
        self.processed = 0
        self.bot_id = 0
        self.sender = Sender(runtime.settings.bot_api_base, runtime.settings.bot_token)
        self.isolate = False  # per-update savepoints, after a batch failed on a bad update
        self.dialogues: dict[str, Any] = {}

    async def start(self) -> None:
        me = await self.bot.get_me()
        self.bot_id = me.id
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.bot.set_my_commands(
            [BotCommand(command=name, description=desc) for name, desc in COMMANDS.items()]
        )
        log.info("bot @%s started", me.username)

    async def fetch(self, offset: int | None) -> tuple[list[Update], int | None]:
        """One long poll; malformed updates are skipped (and acknowledged) one by one."""
        method = GetUpdates(offset=offset, timeout=self.poll_timeout, limit=self.batch_limit)
        try:
            updates = await self.bot(method, request_timeout=self.poll_timeout + 15)
        except ClientDecodeError as exc:
            raw = exc.data.get("result") if isinstance(exc.data, dict) else None
            updates = []
            last = None
            for item in raw or []:
                if isinstance(item, dict) and isinstance(item.get("update_id"), int):
                    last = max(last or 0, item["update_id"])
                try:
                    updates.append(Update.model_validate(item, context={"bot": self.bot}))
                except ValidationError:
                    log.warning("skipped an update Telegram sent in an unknown shape")
            return updates, (last + 1 if last is not None else offset)
        return updates, (updates[-1].update_id + 1 if updates else offset)

    def _remember(self, pseudonym: str, chat_id: int) -> None:
        self.chats[pseudonym] = chat_id
        self.chats.move_to_end(pseudonym)
        if len(self.chats) > 100_000:
            self.chats.popitem(last=False)

    async def _process(
        self, session: Any, update: Update, actor: Actor | None, files: dict[str, Fetched]
    ) -> tuple[list[dict[str, Any]], str | None]:
        if actor is None:  # channel posts, polls, edits, unknown types: nothing to do
            return [], None
        if not actor.private:
            if actor.is_start:
                return [{"method": "sendMessage", "text": t("bot.private_only", self.lang)}], None
            return [], None
        pseudonym = self.pseudo("tg", actor.user_id)
        self._remember(pseudonym, actor.chat_id)
        verdict = self.flood.hit(pseudonym, self.pseudo("tgchat", actor.chat_id))
        if verdict != "ok":
            replies = []
            if actor.callback_id:
                replies.append(
                    {"method": "answerCallbackQuery", "callback_query_id": actor.callback_id}
                )
            if verdict == "warn":
                lang = Dialogue(session, pseudonym, self.lang, self.dialogues).lang
                replies.append({"method": "sendMessage", "text": t("bot.error.flood", lang)})
            return replies, "flood"
        dialogue = Dialogue(session, pseudonym, self.lang, self.dialogues)
        ctx = Ctx(
            session,
            self.runtime.blobs,
            self.runtime.settings,
            pseudonym,
            dialogue,
            update.update_id,
            files,
            self.pending_gps,
        )
        try:
            if self.isolate:
                with session.begin_nested():
                    await self.dp.feed_update(self.bot, update, ctx=ctx)
                    dialogue.save()
                    session.flush()
            else:  # handlers write only on submit, which has its own savepoint
                await self.dp.feed_update(self.bot, update, ctx=ctx)
                dialogue.save()
        except TRANSIENT_DB:
            raise
        except Exception as exc:  # a bug on one update must not block the others
            log.exception("update %s failed", update.update_id)
            replies = [{"method": "sendMessage", "text": t("bot.error.generic", dialogue.lang)}]
            if actor.callback_id:
                replies.insert(
                    0, {"method": "answerCallbackQuery", "callback_query_id": actor.callback_id}
                )
            return replies, f"{type(exc).__name__}: {exc}"[:500]
        return ctx.replies, None

    def _preload(self, session: Any, updates: list[Update]) -> dict[str, Any]:
        """The batch's dialogues in one query, absent ones as None."""
        actors = [a for a in map(actor_of, updates) if a is not None and a.private]
        pseudonyms = list({self.pseudo("tg", a.user_id) for a in actors})
        cache: dict[str, Any] = dict.fromkeys(pseudonyms)
        for chunk in range(0, len(pseudonyms), 500):
            for rec in session.scalars(
                select(BotDialogueRecord).where(
                    BotDialogueRecord.pseudonym.in_(pseudonyms[chunk : chunk + 500])
                )
            ):
                cache[rec.pseudonym] = rec
        return cache

    async def handle_batch(self, updates: list[Update]) -> None:
        keys = {u.update_id: make_id("tg-update", self.bot_id, u.update_id) for u in updates}
        outgoing: list[tuple[int, list[dict[str, Any]], str]] = []
        try:
            with self.runtime.db.session() as session:
                done = {
                    rec.id: (rec.replies, rec.sent)
                    for rec in session.scalars(
                        select(BotUpdateRecord).where(BotUpdateRecord.id.in_(list(keys.values())))
                    )
                }
            fresh = [u for u in updates if keys[u.update_id] not in done]
            files = await prefetch(self.bot, fresh) if fresh else {}
            with write_session(self.runtime.db) as session, session.no_autoflush:
                self.dialogues = self._preload(session, fresh)
                for update in updates:
                    key, actor = keys[update.update_id], actor_of(update)
                    if key in done:
                        replies, sent = done[key]
                        if not sent and replies and actor is not None:
                            outgoing.append((actor.chat_id, replies, key))
                        continue
                    replies, error = await self._process(session, update, actor, files)
                    deliver = bool(replies) and actor is not None
                    # Button answers are not kept: they expire within seconds anyway, and
                    # a query id is nothing to keep about a reporter.
                    kept = [r for r in replies if r["method"] != "answerCallbackQuery"]
                    session.add(
                        BotUpdateRecord(
                            id=key,
                            update_id=update.update_id,
                            replies=kept,
                            error=error,
                            sent=not deliver,
                        )
                    )
                    if deliver and actor is not None:
                        outgoing.append((actor.chat_id, replies, key))
        except TRANSIENT_DB as exc:
            raise TransientError(f"database unavailable: {exc}") from exc
        except Exception:
            if self.isolate:
                raise
            log.exception("batch failed; processing it again update by update")
            self.isolate = True
            try:
                return await self.handle_batch(updates)
            finally:
                self.isolate = False
        self.processed += len(updates) - len(done)
        delivered = await self.send_all(outgoing)
        if delivered:
            try:
                with write_session(self.runtime.db) as session:
                    session.execute(
                        sql_update(BotUpdateRecord)
                        .where(BotUpdateRecord.id.in_(delivered))
                        .values(sent=True)
                    )
            except TRANSIENT_DB as exc:  # replies may be sent again: never lost
                raise TransientError(f"database unavailable: {exc}") from exc
        if len(delivered) < len(outgoing):
            raise TransientError("some replies could not be sent yet")

    async def send_all(self, outgoing: list[tuple[int, list[dict[str, Any]], str]]) -> list[str]:
        """Send replies, in order within a chat, chats concurrently; returns delivered keys."""
        per_chat: dict[int, list[tuple[list[dict[str, Any]], str]]] = defaultdict(list)
        for chat_id, replies, key in outgoing:
            per_chat[chat_id].append((replies, key))
        delivered: list[str] = []

        async def one_chat(chat_id: int, entries: list[tuple[list[dict[str, Any]], str]]) -> None:
            for replies, key in entries:
                if not await self.send(chat_id, replies):
                    return
                delivered.append(key)

        await asyncio.gather(*(one_chat(c, e) for c, e in per_chat.items()))
        return delivered

    async def send(self, chat_id: int, replies: list[dict[str, Any]]) -> bool:
        return await self.sender.send(chat_id, replies)

    async def run(self, stop: asyncio.Event, tasks: list[Any] | None = None) -> None:
        """Poll until ``stop`` is set; ``tasks`` are periodic callables run between polls."""
        await self.start()
        offset: int | None = None
        backoff = 1.0
        while not stop.is_set():
            try:
                updates, next_offset = await self.fetch(offset)
            except TelegramAPIError as exc:
                log.warning("getUpdates failed: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            try:
                if updates:
                    await self.handle_batch(updates)
            except TransientError as exc:
                log.warning("batch not acknowledged, will be redelivered: %s", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
                continue
            backoff = 1.0
            offset = next_offset
            started = time.monotonic()
            for task in tasks or []:
                await task()
            if tasks and time.monotonic() - started > 1:
                log.info("periodic tasks took %.1fs", time.monotonic() - started)

"""Resumable reading of MTProto chats: history backwards on the first run, then what is new.

Cursor, per chat id (``cursor['chats'][id]``): ``stop_at`` is the newest message id of the
last finished walk; ``walk_offset``/``walk_top`` describe a walk in progress. A walk reads
newest first down to ``stop_at`` (Telethon's ``min_id``), at most ``max_messages`` per run;
each batch is saved with the cursor in one transaction, so a killed worker or a message
limit resumes at the next older message. After a finished walk the newest ``recheck``
messages are read again and the edited ones saved: intake updates them (same id, new raw).

A flood wait stops the crawl (saved progress is kept) and is counted on the source's health;
a chat that cannot be read is counted too, and fails the crawl only if no chat could be read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from telethon.tl import types

from narcowatch.errors import IngestError
from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.crawl import CrawlState, PoliteFetcher, Save
from narcowatch.ingest.telegram_mtproto import KIND, chat_info, chat_ref, make_client, to_item
from narcowatch.ingest.telegram_session import store_session
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings

log = logging.getLogger(__name__)
BATCH = 100
Problem = Callable[[str, str], None]
SaveBatch = Callable[[list[IncomingItem], dict[str, Any]], None]  # items + cursor, one commit


class FloodWait(Exception):
    pass


async def _item(client: Any, msg: Any, chat: dict[str, Any], tmp: Path, max_bytes: int) -> Any:
    photo, status = None, None
    if msg.photo is not None:
        size = msg.file.size if msg.file else None
        if size is not None and size > max_bytes:
            status = "too_large"
        else:
            target = tmp / f"{chat['id']}_{msg.id}.jpg"
            try:
                photo = Path(await client.download_media(msg, file=str(target)))
            except Exception as exc:  # a missing photo must not lose the message's text
                log.info("photo of %s/%s not downloaded: %s", chat["id"], msg.id, exc)
                status = "download_failed"
    return to_item(msg, chat, photo, status)


async def _walk_chat(
    client: Any, ref: str | int, cursor: dict[str, Any], save: SaveBatch, opts: dict[str, Any]
) -> int:
    # contacts.resolveUsername has a tight daily limit, channels.getChannels by id and access
    # hash has not: the peer resolved once is kept in the cursor (sessions may not cache it).
    chats = cursor.setdefault("chats", {})
    known = next((c for c in chats.values() if c.get("ref") == str(ref) and c.get("hash")), None)
    if known is not None:
        peer: Any = types.InputPeerChannel(int(known["id"]), int(known["hash"]))
    else:
        peer = await client.get_input_entity(ref)
    entity = await client.get_entity(peer)
    chat = chat_info(entity)
    cur = chats.setdefault(str(chat["id"]), {})
    cur["ref"] = str(ref)
    if isinstance(entity, types.Channel) and entity.access_hash is not None:
        cur.update(id=entity.id, hash=str(entity.access_hash))
    stop_at = int(cur.get("stop_at") or 0)
    offset = int(cur.get("walk_offset") or 0)
    top = int(cur.get("walk_top") or 0)
    fresh_walk = not offset
    batch: list[IncomingItem] = []
    seen, oldest = 0, offset
    args = dict(limit=opts["max_messages"], offset_id=offset, min_id=stop_at)
    async for msg in client.iter_messages(entity, **args):
        seen, oldest = seen + 1, msg.id
        top = max(top, msg.id)
        batch.append(await _item(client, msg, chat, opts["tmp"], opts["max_bytes"]))
        if len(batch) >= BATCH:
            cur.update(walk_offset=msg.id, walk_top=top)
            save(batch, cursor)
            batch = []
    new = seen
    if seen < opts["max_messages"]:
        cur.update(stop_at=max(stop_at, top), walk_offset=None, walk_top=None)
    else:
        cur.update(walk_offset=oldest, walk_top=top)
        opts["problem"]("message_limit", f"{ref}: stopped after {seen} messages; resumes next run")
    save(batch, cursor)
    if fresh_walk and stop_at and opts["recheck"]:
        edited = []
        async for msg in client.iter_messages(entity, limit=opts["recheck"], offset_id=stop_at + 1):
            if msg.edit_date:
                edited.append(await _item(client, msg, chat, opts["tmp"], opts["max_bytes"]))
        if edited:
            save(edited, cursor)
    return new


async def read_chats(
    settings: Settings,
    refs: list[str],
    cursor: dict[str, Any],
    save: SaveBatch,
    problem: Problem,
    tmp: Path,
    config: dict[str, Any] | None = None,
) -> int:
    """Read every chat in ``refs`` from its cursor; returns messages read. Raises on total loss."""
    from telethon import errors

    config = config or {}
    opts = {
        "max_messages": int(config.get("max_messages") or settings.telegram_max_messages),
        "recheck": int(config.get("recheck", 50)),
        "max_bytes": int(settings.fetch_max_bytes),
        "tmp": tmp,
        "problem": problem,
    }
    client = make_client(settings)
    try:
        try:
            await client.connect()
        except (OSError, ConnectionError) as exc:
            raise IngestError(f"cannot reach Telegram: {exc}", code="E172") from exc
        if not await client.is_user_authorized():
            raise IngestError(
                "the Telegram session is not logged in; run `narcowatch telegram login`",
                code="E173",
            )
        total, failed, last = 0, 0, ""
        for value in refs:
            try:
                total += await _walk_chat(client, chat_ref(value), cursor, save, opts)
            except errors.FloodWaitError as exc:
                problem("flood_wait", f"{value}: Telegram asks to wait {exc.seconds} s")
                raise FloodWait(exc.seconds) from exc
            except (ValueError, TypeError, errors.RPCError, IngestError) as exc:
                failed, last = failed + 1, f"{value}: {type(exc).__name__}: {exc}"
                problem("chat_unavailable", last)
        if refs and failed == len(refs):
            raise IngestError(f"no chat could be read ({last})", code="E174")
        return total
    finally:
        await client.disconnect()
        store_session(settings, client.session)


def _refs(config: dict[str, Any], url: str | None) -> list[str]:
    refs = config.get("chats") or ([url] if url else [])
    if not refs:
        raise IngestError("an MTProto source needs a chat (url or config 'chats')", code="E171")
    return [str(r) for r in refs]


def crawl(rt: Runtime, state: CrawlState, fetcher: PoliteFetcher, save: Save) -> None:
    """The ``telegram_mtproto`` crawler of the monitoring jobs (``fetcher`` is not used)."""
    cursor = dict(state.cursor)

    def counted_save(items: list[IncomingItem], cur: dict[str, Any]) -> None:
        state.pages += 1
        save(items, cur)

    with tempfile.TemporaryDirectory(prefix="nw-tg-") as tmp:
        try:
            asyncio.run(
                read_chats(
                    rt.settings,
                    _refs(state.config, state.url),
                    cursor,
                    counted_save,
                    state.problem,
                    Path(tmp),
                    state.config,
                )
            )
        except FloodWait:
            return  # counted as a problem: the source is "degraded", the next run goes on


class TelegramMTProtoSource:
    """The same reading as a one-shot ``Source`` for ``ingest_source`` (no stored cursor)."""

    kind = KIND

    def __init__(self, settings: Settings, chat: str, cursor: dict[str, Any] | None = None):
        self.settings, self.name, self.url = settings, chat, chat
        self.cursor: dict[str, Any] = dict(cursor or {})
        self.problems: dict[str, int] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="nw-tg-")
        weakref.finalize(self, self._tmp.cleanup)  # photos live until intake has read them

    def _problem(self, key: str, message: str) -> None:
        self.problems[key] = self.problems.get(key, 0) + 1
        log.info("%s: %s", self.name, message)

    def iter_items(self) -> Iterator[IncomingItem]:
        items: list[IncomingItem] = []

        def save(batch: list[IncomingItem], cur: dict[str, Any]) -> None:
            items.extend(batch)

        tmp = Path(self._tmp.name)
        with contextlib.suppress(FloodWait):  # counted in ``problems``; what was read is kept
            asyncio.run(
                read_chats(self.settings, [self.url], self.cursor, save, self._problem, tmp)
            )
        yield from items

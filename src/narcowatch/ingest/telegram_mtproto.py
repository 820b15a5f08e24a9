"""Telegram chats the operator's own account can read, through the MTProto client Telethon.

The public web preview (``telegram_web``) only shows public channels; a logged-in account
also reads private channels and groups it has joined. Telethon does the protocol; this
module turns its messages into ``IncomingItem`` the same shape as the preview's posts
(text, date, views, forwarded-from, links, photos as attachments), with deterministic ids
``<chat id>:<message id>`` so a re-run is an upsert and an edit updates the item.

The raw bytes are the message's TL fields as JSON *without* the counters that change on
every read (views, forwards, replies, reactions): a re-read of an unchanged message is then
``unchanged`` in intake, while an edit (new text, ``edit_date``) is ``updated``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from narcowatch.errors import IngestError
from narcowatch.ingest.base import Attachment, IncomingItem
from narcowatch.ingest.telegram_session import open_session, session_path, store_session
from narcowatch.ingest.values import clean_text, fit_name
from narcowatch.settings import Settings

__all__ = ["KIND", "chat_info", "chat_ref", "login", "make_client", "session_path", "to_item"]

KIND = "telegram_mtproto"
VOLATILE = ("views", "forwards", "replies", "reactions")


def make_client(settings: Settings) -> Any:
    """A Telethon client for the configured account (call inside the event loop that uses it)."""
    from telethon import TelegramClient

    if not settings.telegram_api_id or not settings.telegram_api_hash:
        raise IngestError(
            "telegram_api_id and telegram_api_hash are not set (get them at my.telegram.org)",
            code="E170",
        )
    client = TelegramClient(
        open_session(settings),
        settings.telegram_api_id,
        settings.telegram_api_hash,
        connection_retries=2,
        retry_delay=1,
        request_retries=2,
        timeout=max(float(settings.fetch_timeout_s), 5.0),
        receive_updates=False,  # polling: each crawl asks for what is new since the cursor
    )
    if settings.telegram_server:
        host, _, port = settings.telegram_server.rpartition(":")
        client.session.set_dc(client.session.dc_id or 2, host, int(port))
    return client


def chat_ref(value: str) -> str | int:
    """``@name``, ``t.me/name``, ``https://t.me/s/name`` -> ``name``; ``-100…`` -> int id."""
    text = value.strip().rstrip("/")
    if text.lstrip("-").isdigit():
        return int(text)
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    for prefix in ("www.", "t.me/", "telegram.me/", "s/"):
        text = text.removeprefix(prefix)
    name = text.lstrip("@").split("/")[0].split("?")[0]
    if not name:
        raise IngestError(f"not a Telegram chat: {value!r}", code="E171")
    return name


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def raw_bytes(msg: Any) -> bytes:
    data = _strip(msg.to_dict())
    return json.dumps(
        data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default
    ).encode("utf-8")


def message_links(msg: Any) -> tuple[list[str], list[str]]:
    """Visible links and hidden ``text_url`` targets, as the preview's ``meta['links']``."""
    from telethon.tl import types

    visible: list[str] = []
    hidden: list[str] = []
    for ent, text in msg.get_entities_text() if msg.entities else []:
        if isinstance(ent, types.MessageEntityTextUrl):
            hidden.append(ent.url)
        elif isinstance(ent, types.MessageEntityUrl):
            visible.append(text)
        elif isinstance(ent, types.MessageEntityMention):
            visible.append(f"https://t.me/{text.lstrip('@')}")
    return visible, hidden


def _forward(msg: Any, chat_names: dict[int, str]) -> dict[str, Any] | None:
    fwd = msg.fwd_from
    if fwd is None:
        return None
    out: dict[str, Any] = {"name": fwd.from_name or fwd.post_author}
    peer = fwd.from_id
    channel_id = getattr(peer, "channel_id", None)
    if channel_id is not None:
        out["channel_id"] = channel_id
        username = chat_names.get(channel_id)
        if username and fwd.channel_post:
            out["url"] = f"https://t.me/{username}/{fwd.channel_post}"
    elif getattr(peer, "user_id", None) is not None:
        out["user_id"] = peer.user_id
    if fwd.channel_post:
        out["post_id"] = fwd.channel_post
    return {k: v for k, v in out.items() if v is not None}


def to_item(
    msg: Any,
    chat: dict[str, Any],
    photo: Path | None = None,
    photo_status: str | None = None,
    chat_names: dict[int, str] | None = None,
) -> IncomingItem:
    """One Telethon ``Message`` as an item; ``photo`` is its downloaded picture, if any."""
    text = msg.message or ""
    visible, hidden = message_links(msg)
    meta: dict[str, Any] = {"chat": chat, "post_id": msg.id, "channel": chat.get("username")}
    hidden = [h for h in hidden if h not in text]
    if hidden:  # shops hide contacts behind text links; extractors must see them
        meta["hidden_links"] = hidden
        meta["hidden_links_from"] = len(text) + 2
        text = text + "\n\n" + "\n".join(hidden)
    if visible or hidden:
        meta["links"] = visible + hidden
    if msg.views is not None:
        meta["views"] = msg.views
    fwd = _forward(msg, chat_names or {})
    if fwd:
        meta["forwarded_from"] = fwd
    if msg.edit_date:
        meta["edited"] = True
    attachments: list[Attachment] = []
    if msg.photo is not None:
        meta["photos"] = [f"tg-photo:{msg.photo.id}"]
        if photo is not None:
            name = f"{chat['id']}_{msg.id}.jpg"
            attachments.append(Attachment("photo", photo, name, "image/jpeg"))
        elif photo_status:
            meta["photo_status"] = photo_status
    sender = msg.sender
    author = getattr(sender, "title", None) or " ".join(
        x for x in (getattr(sender, "first_name", None), getattr(sender, "last_name", None)) if x
    )
    username = chat.get("username")
    return IncomingItem(
        external_id=f"{chat['id']}:{msg.id}",
        text=clean_text(text),
        raw=raw_bytes(msg),
        content_type="application/vnd.telegram-mtproto.message+json",
        url=f"https://t.me/{username}/{msg.id}" if username else None,
        author=fit_name(author or msg.post_author or chat.get("title") or "") or None,
        published_at=msg.date,
        edited_at=msg.edit_date,
        meta=meta,
        attachments=attachments,
    )


def chat_info(entity: Any) -> dict[str, Any]:
    return {
        "id": entity.id,
        "username": getattr(entity, "username", None),
        "title": getattr(entity, "title", None) or getattr(entity, "first_name", None),
        "type": "group" if getattr(entity, "megagroup", False) else type(entity).__name__.lower(),
    }


async def login(
    settings: Settings,
    phone: str,
    code: Callable[[], str],
    password: Callable[[], str] | None = None,
) -> dict[str, Any]:
    """Create the session file: the code Telegram sends to the account, and the 2FA password."""
    from telethon import errors

    client = make_client(settings)
    try:
        await client.connect()
        if not await client.is_user_authorized():
            sent = await client.send_code_request(phone)
            try:
                await client.sign_in(phone, code(), phone_code_hash=sent.phone_code_hash)
            except errors.SessionPasswordNeededError:
                if password is None:
                    raise IngestError("the account has a 2FA password", code="E175") from None
                await client.sign_in(password=password())
            except errors.RPCError as exc:
                raise IngestError(f"Telegram refused the login: {exc}", code="E175") from exc
        me = await client.get_me()
        return {"id": me.id, "name": me.first_name, "session": str(session_path(settings))}
    finally:
        await client.disconnect()
        store_session(settings, client.session)
        if session_path(settings).exists():  # it holds the auth key: whoever reads it is in
            session_path(settings).chmod(0o600)

"""Collecting a report's content from messages: text, links, forwards, photos, places.

Links come from Telegram's own entities (``url``, ``text_link``, ``mention``) and from the
text; a forward from a channel contributes the channel's public address. Photos were
downloaded and cleaned before the transaction (``Ctx.files``); here they are stored.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import Message

from narcowatch.bot import keyboards as kb
from narcowatch.bot.context import Ctx
from narcowatch.reports.kinds import MAX_PHOTOS, MAX_TEXT
from narcowatch.reports.links import canonical_url, find_links


def media_file_id(message: Message) -> str | None:
    """The file to fetch for a message: the largest photo size, or a document."""
    if message.photo:
        return message.photo[-1].file_id
    if message.document:
        return message.document.file_id
    return None


def _entity_links(message: Message) -> list[str]:
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or []
    found = []
    for ent in entities:
        if ent.type == "text_link" and ent.url:
            found.append(ent.url)
        elif ent.type in ("url", "mention"):
            found.append(ent.extract_from(text))
    return found


def _forward_links(message: Message) -> list[str]:
    origin = message.forward_origin
    if origin is None:
        return []
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    username = getattr(chat, "username", None) if chat is not None else None
    if username:
        msg_id = getattr(origin, "message_id", None)
        return [f"https://t.me/{username}" + (f"/{msg_id}" if msg_id else "")]
    user = getattr(origin, "sender_user", None)
    own = message.from_user is not None and user is not None and user.id == message.from_user.id
    if (
        user is not None and user.username and not own
    ):  # the forwarded author (e.g. a shop operator)
        return [f"https://t.me/{user.username}"]
    return []


def _add_text(ctx: Ctx, draft: dict[str, Any], text: str) -> bool:
    texts = draft.setdefault("texts", [])
    if sum(len(x) for x in texts) + len(text) > MAX_TEXT:
        ctx.say("bot.error.text_too_long", kb.collecting(ctx.lang))
        return False
    texts.append(text)
    return True


def _add_photo(ctx: Ctx, draft: dict[str, Any], file_id: str) -> bool:
    fetched = ctx.files.get(file_id)
    if fetched is None or fetched.image is None:
        ctx.say(
            fetched.error if fetched and fetched.error else "bot.error.not_image",
            kb.collecting(ctx.lang),
        )
        return False
    photos = draft.setdefault("photos", [])
    if len(photos) >= MAX_PHOTOS:
        ctx.say("bot.error.too_many_photos", kb.collecting(ctx.lang))
        return False
    sha = ctx.blobs.put(fetched.image.data)
    if all(p["sha256"] != sha for p in photos):
        photos.append({"sha256": sha, "content_type": fetched.image.content_type, "gps": False})
    if fetched.gps is not None:
        ctx.pending_gps[ctx.pseudonym] = {"sha256": sha, "gps": fetched.gps}
        ctx.dialogue.state = "gps"
        ctx.say("bot.ask_gps", kb.gps_consent(ctx.lang))
        return False
    return True


def absorb(message: Message, ctx: Ctx) -> None:
    """Add what ``message`` carries to the draft, or say what is accepted."""
    draft = ctx.dialogue.draft
    added = False
    text = message.text or message.caption
    if text and not _add_text(ctx, draft, text):
        return
    added = bool(text)
    links = draft.setdefault("links", [])
    for raw in _entity_links(message) + _forward_links(message) + find_links(text or ""):
        url = canonical_url(raw)
        if url and url not in links:
            links.append(url)
            added = True
    place = message.location or (message.venue.location if message.venue else None)
    if place is not None:
        draft["lat"], draft["lon"] = round(place.latitude, 6), round(place.longitude, 6)
        added = True
    file_id = media_file_id(message)
    if file_id is not None:
        if not _add_photo(ctx, draft, file_id):
            return
        added = True
    if added:
        ctx.say("bot.added", kb.collecting(ctx.lang))
    else:  # stickers, polls, voice, contacts...: nothing a report can use
        ctx.say("bot.unsupported", kb.collecting(ctx.lang))


def summary(ctx: Ctx, draft: dict[str, Any] | None = None) -> str:
    draft = draft if draft is not None else ctx.dialogue.draft
    lines = [
        ctx.text("bot.summary"),
        ctx.text("bot.summary.kind", kind=ctx.text(f"bot.kind.{draft.get('kind', 'other')}")),
    ]
    text = "\n".join(draft.get("texts", []))
    if text:
        lines.append(ctx.text("bot.summary.text", text=text[:500]))
    if draft.get("links"):
        lines.append(ctx.text("bot.summary.links", links=", ".join(draft["links"][:10])))
    if draft.get("photos"):
        lines.append(ctx.text("bot.summary.photos", count=len(draft["photos"])))
    if "lat" in draft:
        lines.append(ctx.text("bot.summary.location", lat=draft["lat"], lon=draft["lon"]))
    campaign = ctx.dialogue.data.get("campaign")
    if campaign:
        lines.append(ctx.text("bot.summary.campaign", campaign=campaign))
    lines.append(ctx.text("bot.summary.confirm"))
    return "\n".join(lines)

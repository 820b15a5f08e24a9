"""Demo Telegram channels and chats, written as Telegram Desktop exports (``result.json``).

The layout follows what Telegram Desktop's "Export chat history" writes in JSON mode: a
chat object with ``name``, ``type``, ``id`` and ``messages``; each message has ``date``
(local time, Kazakhstan is UTC+5), ``date_unixtime``, ``from``/``from_id``, ``text`` as a
string or a list of entity parts, ``text_entities``, and optionally ``edited``,
``forwarded_from``; service messages carry ``actor`` and ``action``.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image

from narcowatch.demo.phrasebook import Segment
from narcowatch.demo.posts import Post

KZ_TIME = timezone(timedelta(hours=5))


@dataclass
class Channel:
    key: str
    name: str
    type: str  # public_channel | public_supergroup
    chat_id: int
    posts: list[Post] = field(default_factory=list)

    @property
    def dirname(self) -> str:
        return f"synthetic_{self.key}"


def _stamp(at: datetime) -> tuple[str, str]:
    local = at.astimezone(KZ_TIME).replace(tzinfo=None)
    return local.isoformat(timespec="seconds"), str(int(at.timestamp()))


def _parts(segments: list[Segment]) -> tuple[str | list[Any], list[dict[str, str]]]:
    entities: list[dict[str, str]] = []
    for seg in segments:
        ent = {"type": seg.type, "text": seg.text}
        if seg.href:
            ent["href"] = seg.href
        entities.append(ent)
    if all(seg.type == "plain" for seg in segments):
        return "".join(seg.text for seg in segments), entities
    parts: list[Any] = [ent["text"] if ent["type"] == "plain" else ent for ent in entities]
    return parts, entities


def _service(mid: int, at: datetime, channel: Channel, action: str, **extra: Any) -> dict[str, Any]:
    date, unix = _stamp(at)
    msg: dict[str, Any] = {
        "id": mid,
        "type": "service",
        "date": date,
        "date_unixtime": unix,
        "actor": channel.name,
        "actor_id": f"channel{channel.chat_id}",
        "action": action,
    }
    msg.update(extra)
    msg.update({"text": "", "text_entities": []})
    return msg


def _jpeg_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def export_dict(
    channel: Channel, rng: random.Random, photos: dict[str, bytes] | None = None
) -> dict[str, Any]:
    """The ``result.json`` object for ``channel`` (posts sorted by time); fills ``photos``."""
    photos = {} if photos is None else photos
    posts = sorted(channel.posts, key=lambda p: p.at)
    start = posts[0].at - timedelta(days=rng.randint(3, 40)) if posts else datetime.now(KZ_TIME)
    messages: list[dict[str, Any]] = []
    mid = rng.randint(1, 40)
    create = "create_channel" if channel.type == "public_channel" else "create_group"
    messages.append(_service(mid, start, channel, create, title=channel.name))
    earlier: list[int] = []
    for post in posts:
        mid += rng.choice((1, 1, 1, 2, 3))  # deleted messages leave gaps
        date, unix = _stamp(post.at)
        text, entities = _parts(post.segments)
        msg: dict[str, Any] = {"id": mid, "type": "message", "date": date, "date_unixtime": unix}
        if post.edited:
            msg["edited"], msg["edited_unixtime"] = _stamp(post.edited)
        if channel.type == "public_channel":
            msg["from"], msg["from_id"] = channel.name, f"channel{channel.chat_id}"
        else:
            author = post.author or "Гость"
            msg["from"] = author
            msg["from_id"] = f"user{abs(hash_name(author)) % 10**10}"
            if earlier and rng.random() < 0.2:  # chats answer each other
                msg["reply_to_message_id"] = rng.choice(earlier[-15:])
            earlier.append(mid)
        if post.forwarded_from:
            msg["forwarded_from"] = post.forwarded_from
        if post.photo is not None:
            stamp = post.at.astimezone(KZ_TIME).strftime("%d-%m-%Y_%H-%M-%S")
            name = f"photos/photo_{mid}@{stamp}.jpg"
            photos[name] = post.photo
            msg["photo"] = name
            msg["width"], msg["height"] = _jpeg_size(post.photo)
        msg["text"], msg["text_entities"] = text, entities
        messages.append(msg)
        if channel.type == "public_channel" and post.label and rng.random() < 0.02:
            mid += 1
            later = post.at + timedelta(minutes=rng.randint(1, 90))
            messages.append(_service(mid, later, channel, "pin_message", message_id=mid - 1))
    return {
        "name": channel.name,
        "type": channel.type,
        "id": channel.chat_id,
        "messages": messages,
    }


def hash_name(name: str) -> int:
    """A stable (not per-process salted) number for a display name."""
    value = 0
    for ch in name:
        value = (value * 131 + ord(ch)) % (2**61 - 1)
    return value


def write_export(channel: Channel, root: Path, rng: random.Random) -> Path:
    folder = root / "telegram" / channel.dirname
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "result.json"
    photos: dict[str, bytes] = {}
    data = json.dumps(export_dict(channel, rng, photos), ensure_ascii=False, indent=1)
    path.write_text(data + "\n", encoding="utf-8")
    for rel, content in photos.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return path

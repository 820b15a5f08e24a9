"""One message of a Telegram Desktop export turned into an ``IncomingItem``.

Telegram Desktop writes ``text`` either as a string or as a list of parts: plain strings and
entity objects (``{"type": "bold", "text": ...}``, ``text_link`` with ``href``,
``mention_name`` with ``user_id``...); newer exports add the same as ``text_entities``.
Shops hide their contact behind ``text_link`` entities ("write to the operator" linking to
``t.me/...``), so hidden link targets that are not already visible are appended after the
visible text (``meta["hidden_links_from"]`` is where they start) for the extractors to see.
Spans below that offset are the message as written.

No library parses this format (it is Telegram Desktop's own), hence the hand-written code.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from narcowatch.errors import IngestError
from narcowatch.ingest.base import Attachment, IncomingItem
from narcowatch.ingest.values import clean_text, clean_value, fit_id, fit_name

NOT_INCLUDED = "(File not included"
NUL_ESCAPE = "\\u0000"  # how json.dumps writes a NUL: only then is cleaning meta needed
FORWARD_KEYS = ("forwarded_from", "forwarded_from_id", "saved_from", "via_bot")
KEPT_KEYS = (
    "reply_to_message_id",
    "media_type",
    "mime_type",
    "sticker_emoji",
    "duration_seconds",
    "width",
    "height",
    "author",
    "views",
)


@dataclass
class MediaPolicy:
    """Where media paths are resolved and how big an attached file may be."""

    root: Path
    max_bytes: int


def flatten_text(parts: Any) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and the non-plain entities (with their offsets) of a ``text`` value."""
    if parts is None:
        return "", []
    if isinstance(parts, str):
        return parts, []
    if not isinstance(parts, list):
        return str(parts), []
    chunks: list[str] = []
    entities: list[dict[str, Any]] = []
    pos = 0
    for part in parts:
        if isinstance(part, str):
            chunk = part
        elif isinstance(part, dict):
            chunk = str(part.get("text") or "")
            kind = str(part.get("type") or "plain")
            if kind != "plain":
                ent: dict[str, Any] = {"type": kind, "text": chunk, "start": pos}
                for key in ("href", "user_id", "language", "document_id"):
                    if key in part:
                        ent[key] = part[key]
                entities.append(ent)
        else:
            chunk = str(part)
        chunks.append(chunk)
        pos += len(chunk)
    return "".join(chunks), entities


def message_text(msg: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The item text (visible text, then hidden link targets) and the text facts for meta."""
    source = msg.get("text")
    if (source is None or source == "" or source == []) and msg.get("text_entities"):
        source = msg["text_entities"]
    visible, entities = flatten_text(source)
    if not entities and isinstance(msg.get("text_entities"), list):
        _, entities = flatten_text(msg["text_entities"])
    facts: dict[str, Any] = {}
    if entities:
        facts["entities"] = entities
    hidden: list[str] = []
    for ent in entities:
        href = ent.get("href")
        if href and href not in visible and href not in hidden:
            hidden.append(str(href))
    text = visible
    if hidden:
        facts["hidden_links"] = hidden
        facts["hidden_links_from"] = len(visible) + 2
        text = visible + "\n\n" + "\n".join(hidden)
    return text, facts


def parse_time(unix: Any, iso: Any) -> datetime | None:
    """``*_unixtime`` is exact (UTC); the plain field is local time without a zone."""
    if unix not in (None, ""):
        try:
            return datetime.fromtimestamp(int(unix), UTC)
        except (TypeError, ValueError, OverflowError):
            pass
    if isinstance(iso, str) and iso:
        try:
            parsed = datetime.fromisoformat(iso)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def media_refs(
    msg: dict[str, Any], policy: MediaPolicy
) -> tuple[list[dict[str, Any]], list[Attachment]]:
    """Photos and files the message points at: attached when present and small enough."""
    refs: list[dict[str, Any]] = []
    attachments: list[Attachment] = []
    for kind in ("photo", "file", "thumbnail"):
        rel = msg.get(kind)
        if not isinstance(rel, str) or not rel:
            continue
        ref: dict[str, Any] = {"kind": kind, "path": rel}
        refs.append(ref)
        if rel.startswith(NOT_INCLUDED):
            ref["status"] = "not_included"
            continue
        target = (policy.root / rel).resolve()
        if not target.is_relative_to(policy.root.resolve()):
            ref["status"] = "outside_export"  # a crafted export must not read other files
            continue
        if not target.is_file():
            ref["status"] = "missing"
            continue
        size = target.stat().st_size
        ref["size"] = size
        if size > policy.max_bytes:
            ref["status"] = "too_large"
            continue
        if kind == "thumbnail" and attachments:
            ref["status"] = "skipped"
            continue
        ref["status"] = "attached"
        content_type = msg.get("mime_type") if kind == "file" else None
        attachments.append(
            Attachment(
                kind=kind,
                path=target,
                name=rel,
                content_type=content_type or mimetypes.guess_type(target.name)[0],
            )
        )
    return refs, attachments


def to_item(
    msg: dict[str, Any], *, external_id: str, chat: dict[str, Any], policy: MediaPolicy
) -> IncomingItem:
    raw = json.dumps(msg, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text, meta = message_text(msg)
    meta["chat"] = chat
    meta["message_id"] = msg.get("id")
    if msg.get("from_id"):
        meta["from_id"] = msg["from_id"]
    for key in FORWARD_KEYS + KEPT_KEYS:
        if msg.get(key) not in (None, ""):
            meta[key] = msg[key]
    refs, attachments = media_refs(msg, policy)
    if refs:
        meta["media"] = refs
    return IncomingItem(
        external_id=fit_id(external_id),
        text=clean_text(text),
        raw=raw.encode("utf-8"),
        content_type="application/vnd.telegram-desktop.message+json",
        url=None,
        author=_author(msg),
        published_at=parse_time(msg.get("date_unixtime"), msg.get("date")),
        edited_at=parse_time(msg.get("edited_unixtime"), msg.get("edited")),
        meta=clean_value(meta) if NUL_ESCAPE in raw else meta,
        attachments=attachments,
    )


def message_id(msg: Any, path: Path, index: int) -> str:
    """The message id as text, or E114 for a message that is not an object or has no id."""
    if not isinstance(msg, dict):
        raise IngestError(
            f"{path}: message number {index} is a {type(msg).__name__}, not an object",
            code="E114",
            path=str(path),
            index=index,
        )
    mid = msg.get("id")
    if mid is None or isinstance(mid, (dict, list, bool)) or str(mid) == "":
        raise IngestError(
            f'{path}: message number {index} has no usable "id" (keys: '
            f"{', '.join(sorted(msg)) or 'none'})",
            code="E114",
            path=str(path),
            index=index,
        )
    return str(mid)


def _author(msg: dict[str, Any]) -> str | None:
    name = msg.get("from") or msg.get("author") or msg.get("actor")
    if name:
        return fit_name(str(name))
    return fit_name(str(msg["from_id"])) if msg.get("from_id") else None

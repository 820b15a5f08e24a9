"""Telegram Desktop export (``result.json``) as a streaming ``Source``.

Handles the export of one chat or channel (``{"name", "type", "id", "messages": [...]}``)
and the full-account export (``{"personal_information", "chats": {"list": [...]}}``, plus
``left_chats``). The file is read with ijson, one message at a time, so a large export never
sits in memory whole; the header (name, type, id) is read first from the file's head.
Service messages (joins, pins, title changes) are skipped and counted in ``stats``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson

from narcowatch.errors import IngestError
from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.reading import json_syntax_error, open_checked_binary
from narcowatch.ingest.telegram_message import MediaPolicy, message_id, to_item
from narcowatch.ingest.values import fit_name

KIND = "telegram_export"
CHAT_PREFIXES = ("", "chats.list.item", "left_chats.list.item")
MESSAGE_PREFIXES = {
    (f"{chat}.messages.item" if chat else "messages.item"): chat for chat in CHAT_PREFIXES
}
CHAT_FIELDS = ("name", "type", "id")
DEFAULT_MAX_MEDIA_BYTES = 20 * 1024 * 1024


def _events(path: Path, size: int) -> Iterator[tuple[str, str, Any]]:
    """ijson events of the file, with parse failures turned into located E106/E107 errors."""
    with open_checked_binary(path) as fh:
        try:
            yield from ijson.parse(fh, use_float=True)
        except ijson.JSONError as exc:
            raise json_syntax_error(path, size, str(exc)) from exc


def read_header(path: Path, size: int) -> dict[str, Any]:
    """Top-level facts read before the messages: chat name/type/id or the account's owner.

    Raises E108 when the JSON is an object with neither ``messages`` nor ``chats``.
    """
    header: dict[str, Any] = {}
    first = True
    for prefix, event, value in _events(path, size):
        if first:
            first = False
            if event != "start_map":
                raise _wrong_shape(path, f"the top level is {_json_kind(event)}, not an object")
        if prefix in CHAT_FIELDS and event in ("string", "number", "integer"):
            header[prefix] = value
        elif prefix.startswith("personal_information.") and event in ("string", "number"):
            header[prefix.removeprefix("personal_information.")] = value
        elif prefix == "messages" and event == "start_array":
            header["layout"] = "chat"
            return header
        elif prefix == "chats" and event == "start_map":
            header["layout"] = "account"
            return header
    raise _wrong_shape(path, 'it has no "messages" list (nor a "chats" section)')


class TelegramExportSource:
    """Messages of a Telegram Desktop export; ``name`` defaults to the chat's name."""

    kind = KIND

    def __init__(
        self,
        path: Path,
        *,
        size: int,
        name: str | None = None,
        max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
    ) -> None:
        self.path = path
        self.size = size
        self.header = read_header(path, size)
        self.layout: str = self.header["layout"]
        self.name = fit_name(name or self._default_name())
        self.url: str | None = None
        self.policy = MediaPolicy(root=path.parent, max_bytes=max_media_bytes)
        self.stats: dict[str, int] = {}

    def _default_name(self) -> str:
        if self.layout == "chat" and self.header.get("name"):
            return str(self.header["name"])
        if self.layout == "account":
            person = " ".join(
                str(self.header[k]) for k in ("first_name", "last_name") if self.header.get(k)
            )
            if person:
                return f"{person} (account export)"
        return self.path.parent.name or self.path.stem

    def iter_items(self) -> Iterator[IncomingItem]:
        self.stats = {"skipped:service": 0, "media:attached": 0, "media:not_attached": 0}
        index = 0
        for chat, msg in self._messages():
            index += 1
            mid = message_id(msg, self.path, index)
            if msg.get("type", "message") != "message":
                self.stats["skipped:service"] += 1
                continue
            external_id = mid if self.layout == "chat" else f"{chat.get('id')}/{mid}"
            item = to_item(msg, external_id=external_id, chat=chat, policy=self.policy)
            for ref in item.meta.get("media", []):
                key = "media:attached" if ref["status"] == "attached" else "media:not_attached"
                self.stats[key] += 1
            yield item

    def _messages(self) -> Iterator[tuple[dict[str, Any], Any]]:
        """(chat header, message) pairs, one message object at a time."""
        if self.layout == "chat":
            return self._chat_messages()
        return self._account_messages()

    def _chat_messages(self) -> Iterator[tuple[dict[str, Any], Any]]:
        """One chat: ijson's C backend builds each message (several times faster)."""
        chat = {k: self.header[k] for k in CHAT_FIELDS if k in self.header}
        with open_checked_binary(self.path) as fh:
            try:
                for msg in ijson.items(fh, "messages.item", use_float=True):
                    yield chat, msg
            except ijson.JSONError as exc:
                raise json_syntax_error(self.path, self.size, str(exc)) from exc

    def _account_messages(self) -> Iterator[tuple[dict[str, Any], Any]]:
        """Every chat of an account export, following which chat each message is in."""
        chats: dict[str, dict[str, Any]] = {prefix: {} for prefix in CHAT_PREFIXES}
        events = _events(self.path, self.size)
        for prefix, event, value in events:
            if event == "start_map" and prefix in MESSAGE_PREFIXES:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                for inner_prefix, inner_event, inner_value in events:
                    builder.event(inner_event, inner_value)
                    if inner_prefix == prefix and inner_event == "end_map":
                        break
                yield chats[MESSAGE_PREFIXES[prefix]], builder.value
            elif prefix in MESSAGE_PREFIXES and event != "end_array":
                # A message that is not an object: iter_items reports it (E114).
                yield chats[MESSAGE_PREFIXES[prefix]], [] if event == "start_array" else value
            elif event == "start_map" and prefix in CHAT_PREFIXES and prefix:
                chats[prefix] = {}
            elif event in ("string", "number", "integer") and "." in prefix:
                chat_prefix, _, field = prefix.rpartition(".")
                if field in CHAT_FIELDS and chat_prefix in chats:
                    chats[chat_prefix][field] = value
            elif event in ("string", "number", "integer") and prefix in CHAT_FIELDS:
                chats[""][prefix] = value


def _json_kind(event: str) -> str:
    return {"start_array": "a list", "string": "a string", "number": "a number"}.get(
        event, f"a {event}"
    )


def _wrong_shape(path: Path, problem: str) -> IngestError:
    return IngestError(
        f"{path}: JSON of the wrong shape: {problem}; expected a Telegram Desktop export "
        '(result.json with "messages", exported as "Machine-readable JSON")',
        code="E108",
        path=str(path),
    )

"""``open_source``: the one door for import files (Telegram export, JSONL, JSON, CSV).

The format is recognised from the content, not only from the extension: a Telegram Desktop
``result.json`` is a JSON object with ``messages`` (or ``chats``), JSON Lines has one object
per line, a JSON array holds records, anything else that is text is read as CSV. Cheap
checks (missing, directory, empty, too large, not UTF-8) run before any parsing, and every
problem is a coded ``IngestError`` that names the file (see ``ingest.reading``).
"""

from __future__ import annotations

import json
from pathlib import Path

from narcowatch.errors import IngestError
from narcowatch.ingest.base import Source
from narcowatch.ingest.reading import check_file, read_head
from narcowatch.ingest.tabular import CsvSource, JsonArraySource, JsonLinesSource
from narcowatch.ingest.telegram_export import DEFAULT_MAX_MEDIA_BYTES, TelegramExportSource
from narcowatch.settings import Settings

FORMATS = ("auto", "telegram", "jsonl", "json", "csv")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
EXPORT_KEYS = frozenset({"messages", "chats", "left_chats", "personal_information", "about"})
CHAT_TYPES = frozenset(
    {
        "personal_chat",
        "bot_chat",
        "saved_messages",
        "private_group",
        "private_supergroup",
        "public_supergroup",
        "private_channel",
        "public_channel",
    }
)
DEFAULT_MAX_BYTES: int = Settings.model_fields["max_import_bytes"].default


def detect_format(path: Path, head: bytes) -> str:
    """``telegram``, ``jsonl``, ``json`` or ``csv`` from the first bytes (BOM already removed)."""
    body = head.lstrip()
    first = body[:1]
    suffix = path.suffix.lower()
    if first == b"{":
        line = body.split(b"\n", 1)[0]
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None  # a document spread over lines, or a broken first line
        if isinstance(obj, dict):
            return "telegram" if _looks_like_export(obj) else "jsonl"
        return "jsonl" if suffix in JSONL_SUFFIXES else "telegram"
    if first == b"[":
        return "json"
    if first == b"<":
        raise IngestError(
            f"{path}: this is HTML or XML, not JSON; in Telegram Desktop choose "
            '"Export chat history" with format "Machine-readable JSON"',
            code="E106",
            path=str(path),
        )
    if suffix in JSON_SUFFIXES:
        start = body[:20].decode("utf-8", "replace")
        raise IngestError(
            f"{path}: not JSON: it starts with {start!r} where JSON starts with '{{' or '['",
            code="E106",
            path=str(path),
            line=1,
        )
    return "csv"


def _looks_like_export(obj: dict[str, object]) -> bool:
    """A one-line object is a Telegram export if it has export keys or a chat type."""
    return bool(EXPORT_KEYS & obj.keys()) or obj.get("type") in CHAT_TYPES


def open_source(
    path: str | Path,
    fmt: str = "auto",
    name: str | None = None,
    text_column: str = "text",
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES,
) -> Source:
    """A ``Source`` over one import file; raises ``IngestError`` (E1xx) for unusable input.

    ``name`` overrides the source name (default: the Telegram chat's name, or the file stem
    for JSONL/CSV); ``text_column`` is the text field of JSONL/JSON/CSV rows.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise IngestError(
            f"{path}: unknown format {fmt!r} (use one of: {', '.join(FORMATS)})",
            code="E111",
            path=str(path),
            fmt=fmt,
        )
    size = check_file(path, max_bytes)
    head = read_head(path)
    if fmt == "auto":
        fmt = detect_format(path, head)
    if fmt == "telegram":
        return TelegramExportSource(path, size=size, name=name, max_media_bytes=max_media_bytes)
    row_sources = {"jsonl": JsonLinesSource, "json": JsonArraySource, "csv": CsvSource}
    return row_sources[fmt](path, size=size, name=name, text_column=text_column)

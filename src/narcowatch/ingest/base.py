"""The one interface every source implements, and the item it yields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol


@dataclass
class Attachment:
    """A file that belongs to an item (a photo in an export); intake stores its bytes as a blob.

    The source only points at the file, so a big export is not held in memory; intake reads
    it inside the import transaction and records its sha256 in ``meta["attachments"]``.
    """

    kind: str  # photo | file
    path: Path
    name: str
    content_type: str | None = None


@dataclass
class IncomingItem:
    """What a source hands to the pipeline: raw bytes plus the text it could read from them."""

    external_id: str
    text: str
    raw: bytes
    content_type: str = "application/json"
    url: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    edited_at: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)


class Source(Protocol):
    """A place items come from. ``iter_items`` may raise ``IngestError`` for unreadable input."""

    kind: str
    name: str
    url: str | None

    def iter_items(self) -> Iterator[IncomingItem]: ...

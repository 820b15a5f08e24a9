"""The ingest stage: raw items are stored before anything else happens to them.

One call stores one source's items in one transaction, so an import is atomic: a file
that fails half-way leaves nothing half-written. Ids are deterministic, so a second
delivery of the same item is a no-op, and an edited item is updated and re-queued.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.ingest.base import Attachment, IncomingItem, Source
from narcowatch.pipeline.counters import Counters
from narcowatch.store.blobs import BlobStore
from narcowatch.store.db import Database
from narcowatch.store.tables import ItemRecord, SourceRecord, utcnow

ITEMS = cast(Table, ItemRecord.__table__)


@dataclass
class IntakeResult:
    source_id: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged


def source_id(kind: str, name: str) -> str:
    return make_id("source", kind, name)


def item_id(src_id: str, external_id: str) -> str:
    return make_id("item", src_id, external_id)


def upsert_source(session: Session, source: Source) -> SourceRecord:
    sid = source_id(source.kind, source.name)
    rec = session.get(SourceRecord, sid)
    if rec is None:
        rec = SourceRecord(id=sid, kind=source.kind, name=source.name, url=source.url)
        session.add(rec)
        session.flush()
    return rec


def store_attachments(blobs: BlobStore, attachments: list[Attachment]) -> list[dict[str, object]]:
    """Put each attachment's bytes in the blob store; an unreadable file is recorded, not fatal."""
    stored: list[dict[str, object]] = []
    for att in attachments:
        entry: dict[str, object] = {
            "kind": att.kind,
            "name": att.name,
            "content_type": att.content_type,
        }
        try:
            data = att.path.read_bytes()
        except OSError as exc:
            entry["error"] = f"{type(exc).__name__}: {exc.strerror or exc}"
        else:
            entry["sha256"] = blobs.put(data, durable=False)
            entry["size"] = len(data)
        stored.append(entry)
    return stored


def _fields(blobs: BlobStore, incoming: IncomingItem, digest: str) -> dict[str, Any]:
    meta = dict(incoming.meta)
    if incoming.attachments:
        meta["attachments"] = store_attachments(blobs, incoming.attachments)
    return dict(
        url=incoming.url,
        author=incoming.author,
        text=incoming.text,
        blob_sha256=digest,
        content_type=incoming.content_type,
        published_at=incoming.published_at,
        edited_at=incoming.edited_at,
        meta=json.loads(json.dumps(meta, default=str)),
    )


def put_blobs(blobs: BlobStore, chunk: list[IncomingItem]) -> list[str]:
    """Write the raw bytes of a chunk (no fsync; the caller syncs) and return their digests.

    Content-addressed, so it can run before the transaction that refers to them: a crash in
    between leaves only unreferenced files, and the write lock is not held while writing.
    """
    return [blobs.put(incoming.raw, durable=False) for incoming in chunk]


def store_items(
    session: Session,
    blobs: BlobStore,
    src: SourceRecord,
    chunk: list[IncomingItem],
    digests: list[str] | None = None,
) -> list[str]:
    """Store a chunk of items with one lookup query; returns "new"/"updated"/"unchanged" each.

    Blobs are written without a per-file fsync; the caller syncs the blob store once before
    it commits (see ``ingest_source``). ``digests`` are those of :func:`put_blobs`, when
    the caller wrote the blobs already.
    """
    ids = [item_id(src.id, inc.external_id) for inc in chunk]
    known = {
        rec.id: rec
        for rec in session.scalars(select(ItemRecord).where(ItemRecord.id.in_(set(ids))))
    }
    outcomes: list[str] = []
    fresh: dict[str, dict[str, Any]] = {}  # new rows, inserted at the end in one statement
    if digests is None:
        digests = put_blobs(blobs, chunk)
    for iid, incoming, digest in zip(ids, chunk, digests, strict=True):
        rec = known.get(iid)
        row = fresh.get(iid)  # a repeated id later in the same file is an update, not a clash
        stored = rec.blob_sha256 if rec is not None else row["blob_sha256"] if row else None
        if stored == digest:
            outcomes.append("unchanged")
            continue
        fields = _fields(blobs, incoming, digest)
        if row is not None:
            row.update(fields)
            outcomes.append("updated")
        elif rec is None:
            fresh[iid] = {"id": iid, "source_id": src.id, "external_id": incoming.external_id}
            fresh[iid].update(fields)
            outcomes.append("new")
        else:
            for key, value in fields.items():
                setattr(rec, key, value)
            rec.status = "new"  # changed content is processed again
            rec.errors = {}
            outcomes.append("updated")
    if fresh:  # Core, not one ORM object per page: a crawl stores hundreds per save
        session.execute(insert(ITEMS), list(fresh.values()))
    return outcomes


def _chunks(items: Iterable[IncomingItem], size: int) -> Iterator[list[IncomingItem]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def ingest_source(
    db: Database,
    blobs: BlobStore,
    source: Source,
    counters: Counters | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_size: int = 500,
) -> IntakeResult:
    """Store every item of ``source`` in one transaction (all or nothing)."""
    counters = counters or Counters()
    items: Iterable[IncomingItem] = source.iter_items()
    with db.session() as session:
        src = upsert_source(session, source)
        result = IntakeResult(source_id=src.id)
        for chunk in _chunks(items, chunk_size):
            for outcome in store_items(session, blobs, src, chunk):
                setattr(result, outcome, getattr(result, outcome) + 1)
                counters.add("ingest", outcome)
            session.flush()
            if progress:
                progress(len(chunk))
        counters.add("ingest", "items", result.total)
        # Sources may count what they skipped on purpose (e.g. Telegram service messages).
        for key, n in getattr(source, "stats", {}).items():
            counters.add("ingest", key, n)
        src.items_found += result.new
        src.last_success = utcnow()
        src.health = "ok"
        counters.flush(session)
        blobs.sync()  # every blob the transaction refers to is on disk before it commits
    return result

"""The append-only, hash-chained audit log.

Each entry's ``hash`` is sha256 over the canonical JSON of its fields (seq, at, actor,
action, target_type, target_id, details) followed by ``prev_hash``, the previous entry's
hash. Appends are serialised by the ``audit_head`` lock row (an UPDATE takes PostgreSQL's
row lock and SQLite's write lock), so concurrent writers never fork the chain; the head
also anchors the newest entry, so deleting entries at the end is detected like any other
edit. ``verify`` names every seq that is wrong.

Hand-written because no maintained library keeps a tamper-evident log inside our own
database with SQLAlchemy; the hashing itself is hashlib and the JSON is the stdlib's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from narcowatch.store.tables import AuditRecord
from narcowatch.store.tables_security import GENESIS_HASH, AuditHeadRecord

HEAD_ID = 1


def canonical_time(at: datetime) -> str:
    """UTC, microseconds, no offset: SQLite returns naive UTC and PostgreSQL aware values."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_hash(entry: AuditRecord) -> str:
    """sha256(canonical JSON of the entry's fields + prev_hash)."""
    fields = {
        "seq": entry.seq,
        "at": canonical_time(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details or {},
    }
    payload = canonical_json(fields) + entry.prev_hash
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def lock_chain(session: Session) -> None:
    """Take the append lock now (BEGIN IMMEDIATE semantics) before reading what you will audit.

    On SQLite a transaction that read first and writes later can fail if another writer
    committed in between; taking the lock first avoids that. Held until the transaction ends.
    """
    result = session.execute(
        update(AuditHeadRecord).where(AuditHeadRecord.id == HEAD_ID).values(seq=AuditHeadRecord.seq)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        _create_head(session)


def _create_head(session: Session) -> None:
    """Recreate a missing head from the newest entry (the migration normally inserts it)."""
    last = session.scalar(select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(1))
    session.add(
        AuditHeadRecord(
            id=HEAD_ID, seq=last.seq if last else 0, hash=last.hash if last else GENESIS_HASH
        )
    )
    session.flush()


def _claim_next(session: Session) -> tuple[int, str]:
    """Increment the head under its lock; returns the new seq and the previous hash."""
    stmt = (
        update(AuditHeadRecord)
        .where(AuditHeadRecord.id == HEAD_ID)
        .values(seq=AuditHeadRecord.seq + 1)
        .returning(AuditHeadRecord.seq, AuditHeadRecord.hash)
    )
    row = session.execute(stmt).one_or_none()
    if row is None:
        _create_head(session)
        row = session.execute(stmt).one()
    return int(row[0]), str(row[1])


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one entry in the caller's transaction (it commits or rolls back with it)."""
    seq, prev_hash = _claim_next(session)
    entry = AuditRecord(
        seq=seq,
        at=datetime.now(UTC),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        # Store exactly what is hashed: JSON-native values only.
        details=json.loads(json.dumps(details or {}, default=str)),
        prev_hash=prev_hash,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.execute(
        update(AuditHeadRecord).where(AuditHeadRecord.id == HEAD_ID).values(hash=entry.hash)
    )
    session.flush()
    return entry


def _entries(session: Session) -> Iterator[AuditRecord]:
    stmt = select(AuditRecord).order_by(AuditRecord.seq).execution_options(yield_per=1000)
    yield from session.execute(stmt).scalars()


def _span(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seq {first}-{last}"


def verify(session: Session) -> list[str]:
    """Check the whole chain; returns the problems found (empty means intact)."""
    problems: list[str] = []
    expected, prev_hash, prev_seq = 1, GENESIS_HASH, None
    for entry in _entries(session):
        gap = entry.seq > expected
        if entry.seq < expected:
            problems.append(f"seq {entry.seq}: unexpected entry before seq {expected} (inserted)")
        elif gap:
            problems.append(f"{_span(expected, entry.seq - 1)}: missing (deleted)")
        if entry_hash(entry) != entry.hash:
            problems.append(f"seq {entry.seq}: content does not match its hash (modified)")
        if entry.prev_hash != prev_hash and not gap:
            where = "the start of the chain" if prev_seq is None else f"seq {prev_seq}"
            problems.append(
                f"seq {entry.seq}: prev_hash does not match {where} "
                "(entry inserted, replaced or reordered)"
            )
        expected, prev_hash, prev_seq = max(expected, entry.seq + 1), entry.hash, entry.seq
    problems.extend(_check_head(session, prev_seq or 0, prev_hash))
    return problems


def _check_head(session: Session, last_seq: int, last_hash: str) -> list[str]:
    head = session.get(AuditHeadRecord, HEAD_ID)
    if head is None:
        return ["audit head row is missing (deleted)"] if last_seq else []
    if head.seq > last_seq:
        return [f"{_span(last_seq + 1, head.seq)}: missing at the end (deleted)"]
    if head.seq < last_seq:
        return [f"{_span(head.seq + 1, last_seq)}: not in the chain head (inserted)"]
    if last_seq and head.hash != last_hash:
        return [f"seq {last_seq}: hash differs from the chain head (modified)"]
    return []


def head(session: Session) -> tuple[int, str]:
    """The newest seq and hash: operators may note it down to anchor the chain outside the DB."""
    rec = session.get(AuditHeadRecord, HEAD_ID)
    return (rec.seq, rec.hash) if rec else (0, GENESIS_HASH)


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)


def list_entries(
    session: Session, *, page: int = 1, per_page: int = 50, actor: str = "", action: str = ""
) -> list[AuditRecord]:
    """Newest first, for the audit page."""
    stmt = select(AuditRecord)
    if actor:
        stmt = stmt.where(AuditRecord.actor == actor)
    if action:
        stmt = stmt.where(AuditRecord.action.startswith(action))
    stmt = stmt.order_by(AuditRecord.seq.desc()).offset((max(page, 1) - 1) * per_page)
    return list(session.scalars(stmt.limit(per_page)))

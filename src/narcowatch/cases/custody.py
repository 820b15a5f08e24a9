"""Chain of custody: an append-only, hash-chained log per evidence item.

Each entry's hash is sha256 over the canonical JSON of (evidence_id, seq, action, actor,
at, details) followed by the previous entry's hash, so changing, removing or reordering any
entry breaks every hash after it. The same check runs on the database rows and on the
``custody.jsonl`` inside an exported package, so a recipient can verify it offline.

Hand-written because it is a dozen lines of hashlib over our own rows; no library keeps a
per-item chain inside our database.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from narcowatch.cases.manifest import canonical_json
from narcowatch.errors import CaseError
from narcowatch.store.tables import CustodyRecord, EvidenceRecord

GENESIS = "0" * 64
ACTIONS = ("captured", "recaptured", "timestamped", "viewed", "exported", "handed_over")


def canonical_time(at: datetime) -> str:
    """UTC without offset, microseconds: SQLite gives naive UTC, PostgreSQL aware values."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_hash(entry: dict[str, Any]) -> str:
    fields = {k: entry[k] for k in ("evidence_id", "seq", "action", "actor", "at", "details")}
    payload = canonical_json(fields) + entry["prev_hash"].encode("ascii")
    return hashlib.sha256(payload).hexdigest()


def entry_dict(rec: CustodyRecord) -> dict[str, Any]:
    return {
        "evidence_id": rec.evidence_id,
        "seq": rec.seq,
        "action": rec.action,
        "actor": rec.actor,
        "at": canonical_time(rec.at),
        "details": rec.details or {},
        "prev_hash": rec.prev_hash,
        "hash": rec.hash,
    }


def append_custody(
    session: Session,
    evidence_id: str,
    action: str,
    actor: str,
    details: dict[str, Any] | None = None,
) -> CustodyRecord:
    """Append one entry (in the caller's transaction); the unique (evidence_id, seq) key
    makes two concurrent appends conflict instead of forking the chain."""
    if action not in ACTIONS:
        raise CaseError(f"unknown custody action {action!r}", code="E920", action=action)
    if session.get(EvidenceRecord, evidence_id) is None:
        raise CaseError(f"evidence {evidence_id} does not exist", code="E911")
    last = session.scalar(
        select(CustodyRecord)
        .where(CustodyRecord.evidence_id == evidence_id)
        .order_by(CustodyRecord.seq.desc())
        .limit(1)
    )
    at = datetime.now(UTC)
    entry = {
        "evidence_id": evidence_id,
        "seq": (last.seq + 1) if last else 1,
        "action": action,
        "actor": actor,
        "at": canonical_time(at),
        "details": canonical_details(details or {}),
        "prev_hash": last.hash if last else GENESIS,
    }
    rec = CustodyRecord(
        evidence_id=evidence_id,
        seq=entry["seq"],
        action=action,
        actor=actor,
        at=at,
        details=entry["details"],
        prev_hash=entry["prev_hash"],
        hash=entry_hash(entry),
    )
    session.add(rec)
    session.flush()
    return rec


def canonical_details(details: dict[str, Any]) -> dict[str, Any]:
    """JSON-native values only, so what is stored is exactly what was hashed."""
    result: dict[str, Any] = json.loads(canonical_json(details))
    return result


def custody_entries(session: Session, evidence_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(CustodyRecord)
        .where(CustodyRecord.evidence_id == evidence_id)
        .order_by(CustodyRecord.seq)
    )
    return [entry_dict(r) for r in rows]


def custody_count(session: Session, evidence_id: str) -> int:
    query = select(func.count()).where(CustodyRecord.evidence_id == evidence_id)
    return int(session.scalar(query) or 0)


def verify_chain(entries: list[dict[str, Any]], evidence_id: str | None = None) -> list[str]:
    """Problems in a chain of entry dicts (empty when intact), each naming the entry."""
    problems: list[str] = []
    prev_hash, expected = GENESIS, 1
    for entry in entries:
        seq = entry.get("seq")
        label = f"custody entry {seq} ({entry.get('action')}, {entry.get('at')})"
        if evidence_id and entry.get("evidence_id") != evidence_id:
            problems.append(f"{label}: belongs to evidence {entry.get('evidence_id')}")
        if seq != expected:
            problems.append(f"{label}: expected entry {expected} here (missing or reordered)")
        if entry.get("prev_hash") != prev_hash:
            problems.append(f"{label}: does not link to the previous entry")
        try:
            actual = entry_hash(entry)
        except (KeyError, AttributeError, TypeError) as exc:
            problems.append(f"{label}: malformed ({exc})")
            actual = ""
        if actual != entry.get("hash"):
            problems.append(f"{label}: content does not match its hash (modified)")
        prev_hash = str(entry.get("hash"))
        expected = (seq if isinstance(seq, int) else expected) + 1
    return problems


def verify_custody(session: Session, evidence_id: str) -> list[str]:
    return verify_chain(custody_entries(session, evidence_id), evidence_id)

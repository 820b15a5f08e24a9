"""The review queue: list queued detections, show one, record the analyst's verdict.

Front doors (web, API, CLI) call these functions; they never query detections themselves.
Every verdict is written to the hash-chained audit log in the same transaction.
Re-deciding a detection that already has a verdict needs a supervisor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from narcowatch.errors import CaseError
from narcowatch.security import audit
from narcowatch.security.roles import has_role
from narcowatch.store.tables import (
    DetectionRecord,
    DocumentRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    SourceRecord,
)

SelectT = TypeVar("SelectT", bound=Select)  # type: ignore[type-arg]

STATUSES = ("new", "confirmed", "rejected", "escalated")
VERDICTS = {"confirm": "confirmed", "reject": "rejected", "escalate": "escalated"}
SORTS = ("score", "priority", "newest")
PER_PAGE = 50


@dataclass
class QueueFilters:
    source: str = ""  # source id
    lang: str = ""
    status: str = "new"  # "" = every status
    sort: str = "score"

    def __post_init__(self) -> None:
        if self.status and self.status not in STATUSES:
            raise CaseError(f"unknown status {self.status!r}", code="E950", status=self.status)
        if self.sort not in SORTS:
            raise CaseError(f"unknown sort {self.sort!r}", code="E950", sort=self.sort)

    def as_query(self) -> dict[str, str]:
        """Query parameters that reproduce these filters (status always: "" means all)."""
        return {k: v for k, v in vars(self).items() if v or k == "status"}


@dataclass
class QueueRow:
    detection_id: str
    item_id: str
    score: float
    priority: int
    status: str
    source: str
    lang: str
    published_at: datetime | None
    author: str | None
    snippet: str
    terms: list[str]


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


@dataclass
class DetectionDetail:
    det: DetectionRecord
    item: ItemRecord
    source: SourceRecord
    lang: str
    reasons: list[dict[str, Any]]
    indicators: list[dict[str, Any]] = field(default_factory=list)


def _sort_key(sort: str) -> list[Any]:
    """Every column descending, so keyset neighbours are plain tuple comparisons."""
    if sort == "priority":
        return [DetectionRecord.priority, DetectionRecord.score, DetectionRecord.id]
    if sort == "newest":
        return [func.coalesce(ItemRecord.published_at, ItemRecord.fetched_at), DetectionRecord.id]
    return [DetectionRecord.score, DetectionRecord.priority, DetectionRecord.id]


def _where(stmt: SelectT, filters: QueueFilters) -> SelectT:
    """Source and language as ``IN`` subqueries: counting needs no join (index lookups)."""
    stmt = stmt.where(DetectionRecord.queued.is_(True))
    if filters.status:
        stmt = stmt.where(DetectionRecord.status == filters.status)
    if filters.source:
        items = select(ItemRecord.id).where(ItemRecord.source_id == filters.source)
        stmt = stmt.where(DetectionRecord.item_id.in_(items))
    if filters.lang:
        docs = select(DocumentRecord.id).where(DocumentRecord.lang == filters.lang)
        stmt = stmt.where(DetectionRecord.item_id.in_(docs))
    return stmt


def _filtered(stmt: SelectT, filters: QueueFilters) -> SelectT:
    stmt = (
        stmt.join(ItemRecord, ItemRecord.id == DetectionRecord.item_id)
        .join(SourceRecord, SourceRecord.id == ItemRecord.source_id)
        .outerjoin(DocumentRecord, DocumentRecord.id == ItemRecord.id)
    )
    return _where(stmt, filters)


def _count(session: Session, filters: QueueFilters) -> int:
    stmt = _where(select(func.count()).select_from(DetectionRecord), filters)
    return int(session.scalar(stmt) or 0)


def status_counts(session: Session, filters: QueueFilters) -> dict[str, int]:
    """Queued detections per status under the other filters (for the status menu)."""
    stmt = select(DetectionRecord.status, func.count()).select_from(DetectionRecord)
    stmt = _where(stmt, QueueFilters(source=filters.source, lang=filters.lang, status=""))
    counts = {status: 0 for status in STATUSES}
    for status, n in session.execute(stmt.group_by(DetectionRecord.status)):
        counts[status] = int(n)
    return counts


def list_queue(
    session: Session, filters: QueueFilters, sort: str | None = None, page: int = 1
) -> QueuePage:
    """One page of queued detections, best first (score, then priority, by default)."""
    if sort:
        filters = QueueFilters(**{**vars(filters), "sort": sort})
    total = _count(session, filters)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    stmt = _filtered(
        select(DetectionRecord, ItemRecord, SourceRecord.name, DocumentRecord.lang), filters
    )
    stmt = stmt.order_by(*(col.desc() for col in _sort_key(filters.sort)))
    stmt = stmt.offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    rows = [
        QueueRow(
            detection_id=det.id,
            item_id=item.id,
            score=det.score,
            priority=det.priority,
            status=det.status,
            source=source_name,
            lang=lang or "",
            published_at=item.published_at,
            author=item.author,
            snippet=" ".join((item.text or "").split())[:240],
            terms=list(dict.fromkeys(str(r.get("term", "")) for r in det.reasons or []))[:4],
        )
        for det, item, source_name, lang in session.execute(stmt)
    ]
    return QueuePage(rows=rows, total=total, page=page, pages=pages)


def queue_sources(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every source, for the filter menu (a short list, unlike detections)."""
    stmt = select(SourceRecord.id, SourceRecord.name).order_by(SourceRecord.name)
    return [(sid, name) for sid, name in session.execute(stmt)]


def queue_langs(session: Session) -> list[str]:
    """Languages of the stored documents (an index scan)."""
    stmt = select(DocumentRecord.lang).distinct().order_by(DocumentRecord.lang)
    return list(session.scalars(stmt))


def get_detail(session: Session, detection_id: str) -> DetectionDetail:
    det = session.get(DetectionRecord, detection_id)
    if det is None:
        raise CaseError(f"no detection {detection_id!r}", code="E951", detection_id=detection_id)
    item = session.get(ItemRecord, det.item_id)
    assert item is not None  # foreign key
    source = session.get(SourceRecord, item.source_id)
    assert source is not None
    doc = session.get(DocumentRecord, item.id)
    mentions = session.execute(
        select(ItemIndicatorRecord, IndicatorRecord)
        .join(IndicatorRecord, IndicatorRecord.id == ItemIndicatorRecord.indicator_id)
        .where(ItemIndicatorRecord.item_id == item.id)
        .order_by(ItemIndicatorRecord.start)
    )
    indicators = [
        {
            "type": ind.type,
            "value": ind.value,
            "raw": mention.raw,
            "start": mention.start,
            "end": mention.end,
            "valid": ind.valid,
            "mentions": ind.mentions,
            "extractor": mention.extractor,
        }
        for mention, ind in mentions
    ]
    return DetectionDetail(
        det=det,
        item=item,
        source=source,
        lang=doc.lang if doc else "",
        reasons=list(det.reasons or []),
        indicators=indicators,
    )


def neighbours(
    session: Session, detection_id: str, filters: QueueFilters
) -> tuple[str | None, str | None]:
    """The previous and next detection ids in the queue order around ``detection_id``."""
    keys = _sort_key(filters.sort)
    base = _filtered(select(*keys), filters).where(DetectionRecord.id == detection_id)
    current = session.execute(base).one_or_none()
    if current is None:  # left the filtered queue (e.g. just reviewed): look it up unfiltered
        current = session.execute(
            _filtered(select(*keys), QueueFilters(sort=filters.sort, status="")).where(
                DetectionRecord.id == detection_id
            )
        ).one_or_none()
        if current is None:
            return None, None
    position = tuple_(*keys)
    after = _filtered(select(DetectionRecord.id), filters).where(position < tuple(current))
    before = _filtered(select(DetectionRecord.id), filters).where(position > tuple(current))
    next_id = session.scalar(after.order_by(*(k.desc() for k in keys)).limit(1))
    prev_id = session.scalar(before.order_by(*(k.asc() for k in keys)).limit(1))
    return prev_id, next_id


def may_review(role: str, status: str) -> bool:
    """Analysts decide new detections; changing an existing verdict needs a supervisor."""
    return status == "new" or has_role(role, "supervisor")


def set_verdict(
    session: Session, detection_id: str, verdict: str, actor: str, *, role: str | None = None
) -> DetectionRecord:
    """Record ``verdict`` (confirmed/rejected/escalated, or confirm/reject/escalate).

    With ``role`` given, the review rule is enforced (see ``may_review``). Setting the
    verdict a detection already has changes nothing and writes no audit entry.
    """
    status = VERDICTS.get(verdict, verdict)
    if status not in VERDICTS.values():
        raise CaseError(
            f"unknown verdict {verdict!r} (use confirm, reject or escalate)",
            code="E952",
            verdict=verdict,
        )
    audit.lock_chain(session)  # lock first, then read: concurrent reviewers serialise here
    det = session.get(DetectionRecord, detection_id)
    if det is None:
        raise CaseError(f"no detection {detection_id!r}", code="E951", detection_id=detection_id)
    if role is not None and not may_review(role, det.status):
        raise CaseError(
            f"detection {detection_id} is already {det.status}; a supervisor must change it",
            code="E953",
            detection_id=detection_id,
        )
    if det.status == status:
        return det
    previous = det.status
    det.status = status
    det.reviewed_by = actor
    det.reviewed_at = datetime.now(UTC)
    audit.record(
        session,
        actor=actor,
        action=f"detection.{status}",
        target_type="detection",
        target_id=det.id,
        details={
            "from": previous,
            "to": status,
            "item_id": det.item_id,
            "score": det.score,
            "classifier": det.classifier,
        },
    )
    return det

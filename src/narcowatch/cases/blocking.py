"""Blocking requests to the regulator: build a batch, track it to blocked or rejected.

A request is a batch of targets (URL, domain or Telegram account), each with a category,
a legal ground (keys of the operator-editable template), the detection date and the
evidence that backs it. Statuses: draft -> sent -> acknowledged -> blocked | rejected;
a sent request gets a deadline and is overdue when the regulator has not acted by then.
Every change is audited and mirrored on the case.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.cases.auditing import audit
from narcowatch.cases.cases import TRANSITIONS as CASE_TRANSITIONS
from narcowatch.cases.cases import get_case, set_status
from narcowatch.cases.letter import load_template
from narcowatch.errors import CaseError
from narcowatch.ids import make_id
from narcowatch.settings import Settings
from narcowatch.store.tables import (
    BlockingRequestRecord,
    DetectionRecord,
    EvidenceRecord,
    IndicatorRecord,
    ItemRecord,
    ShopMemberRecord,
    ShopRecord,
)

STATUSES = ("draft", "sent", "acknowledged", "blocked", "rejected")
MOVES: dict[str, set[str]] = {
    "draft": {"sent"},
    "sent": {"acknowledged", "blocked", "rejected"},
    "acknowledged": {"blocked", "rejected"},
    "blocked": set(),
    "rejected": {"draft"},
}
CASE_STATE = {"sent": "request_sent", "blocked": "blocked"}
BLOCKABLE = ("url", "domain", "telegram")


def _now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes; compare everything as aware UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def target_address(kind: str, value: str) -> str:
    """The address the regulator blocks, from an indicator type and value."""
    if kind == "telegram":
        return value if value.startswith("t.me/") else f"t.me/{value.lstrip('@')}"
    return value


def make_target(
    address: str,
    *,
    kind: str,
    detected_at: datetime | None,
    category: str,
    legal_ground: str,
    evidence: list[str] | None = None,
    source: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "target": address,
        "kind": kind,
        "category": category,
        "legal_ground": legal_ground,
        "detected_at": (as_utc(detected_at) or _now()).date().isoformat(),
        "evidence": sorted(set(evidence or [])),
        "source": source or {},
        "state": "requested",
    }


def _evidence_for(session: Session, address: str) -> list[str]:
    """Captured evidence whose target is this address (with or without scheme)."""
    bare = address.split("://", 1)[-1].rstrip("/")
    candidates = {f"https://{bare}", f"http://{bare}", f"https://{bare}/", f"http://{bare}/"}
    rows = session.scalars(select(EvidenceRecord.id).where(EvidenceRecord.target.in_(candidates)))
    return list(rows)


def targets_from_items(
    session: Session, item_ids: list[str], category: str, legal_ground: str
) -> list[dict[str, Any]]:
    """One target per item URL; the detection date is the detection's, else the item's."""
    out = []
    for item_id in item_ids:
        item = session.get(ItemRecord, item_id)
        if item is None:
            raise CaseError(f"item {item_id} does not exist", code="E904", ref_id=item_id)
        if not item.url:
            raise CaseError(f"item {item_id} has no URL to block", code="E940", ref_id=item_id)
        det = session.scalar(
            select(DetectionRecord).where(DetectionRecord.item_id == item_id).limit(1)
        )
        detected = det.created_at if det else (item.published_at or item.fetched_at)
        kind = "telegram" if "t.me/" in item.url else "url"
        out.append(
            make_target(
                item.url,
                kind=kind,
                detected_at=detected,
                category=category,
                legal_ground=legal_ground,
                evidence=_evidence_for(session, item.url),
                source={"item": item_id},
            )
        )
    return out


def targets_from_shops(
    session: Session, shop_ids: list[str], category: str, legal_ground: str
) -> list[dict[str, Any]]:
    """Every URL, domain and Telegram account of each shop."""
    out = []
    for shop_id in shop_ids:
        if session.get(ShopRecord, shop_id) is None:
            raise CaseError(f"shop {shop_id} does not exist", code="E904", ref_id=shop_id)
        query = (
            select(IndicatorRecord)
            .join(ShopMemberRecord, ShopMemberRecord.member_id == IndicatorRecord.id)
            .where(ShopMemberRecord.shop_id == shop_id, ShopMemberRecord.member_type == "indicator")
            .where(IndicatorRecord.type.in_(BLOCKABLE))
            .order_by(IndicatorRecord.type, IndicatorRecord.value)
        )
        for ind in session.scalars(query):
            address = target_address(ind.type, ind.value)
            out.append(
                make_target(
                    address,
                    kind=ind.type,
                    detected_at=ind.first_seen,
                    category=category,
                    legal_ground=legal_ground,
                    evidence=_evidence_for(session, address),
                    source={"shop": shop_id, "indicator": ind.id},
                )
            )
    return out


def create_request(
    session: Session,
    settings: Settings,
    targets: list[dict[str, Any]],
    actor: str,
    case_id: str | None = None,
) -> BlockingRequestRecord:
    """A draft request; targets are de-duplicated and checked against the template."""
    template = load_template(settings)
    unique: dict[str, dict[str, Any]] = {}
    for tgt in targets:
        if tgt["legal_ground"] not in template["legal_grounds"]:
            known = ", ".join(template["legal_grounds"])
            raise CaseError(
                f"unknown legal ground {tgt['legal_ground']!r} (known: {known})", code="E941"
            )
        if tgt["category"] not in template["categories"]:
            known = ", ".join(template["categories"])
            raise CaseError(f"unknown category {tgt['category']!r} (known: {known})", code="E941")
        unique.setdefault(tgt["target"], tgt)
    if not unique:
        raise CaseError("a blocking request needs at least one target", code="E942")
    if case_id:
        get_case(session, case_id)
    now = _now()
    req = BlockingRequestRecord(
        id=make_id("blocking", actor, now.isoformat(), *sorted(unique)),
        case_id=case_id,
        status="draft",
        targets=list(unique.values()),
        created_by=actor,
        created_at=now,
        history=[{"at": now.isoformat(), "actor": actor, "to": "draft"}],
    )
    session.add(req)
    session.flush()
    audit(session, actor, "blocking.create", "blocking_request", req.id, {"targets": len(unique)})
    return req


def get_request(session: Session, request_id: str) -> BlockingRequestRecord:
    req = session.get(BlockingRequestRecord, request_id)
    if req is None:
        raise CaseError(f"blocking request {request_id} does not exist", code="E943")
    return req


def set_request_status(
    session: Session,
    settings: Settings,
    request_id: str,
    status: str,
    actor: str,
    comment: str = "",
) -> BlockingRequestRecord:
    req = get_request(session, request_id)
    if status not in STATUSES or status not in MOVES[req.status]:
        allowed = ", ".join(sorted(MOVES.get(req.status, ()))) or "none"
        raise CaseError(
            f"a {req.status} request cannot become {status} (allowed: {allowed})", code="E944"
        )
    now, before = _now(), req.status
    req.status = status
    if status == "sent":
        req.sent_at = now
        req.deadline = now + timedelta(days=settings.block_deadline_days)
    if status == "blocked":
        req.targets = [
            {**t, "state": "blocked", "blocked_at": now.isoformat()} for t in req.targets
        ]
    entry = {"at": now.isoformat(), "actor": actor, "from": before, "to": status}
    req.history = [*req.history, {**entry, "comment": comment} if comment else entry]
    audit(
        session,
        actor,
        "blocking.status",
        "blocking_request",
        req.id,
        {"from": before, "to": status},
    )
    _follow_case(session, req, status, actor)
    return req


def _follow_case(session: Session, req: BlockingRequestRecord, status: str, actor: str) -> None:
    """Move the case along with its request when the case workflow allows it."""
    if not req.case_id or status not in CASE_STATE:
        return
    case = get_case(session, req.case_id)
    wanted = CASE_STATE[status]
    if case.status == "open" and wanted == "request_sent":
        set_status(session, case.id, "evidence_collected", actor, f"request {req.id}")
    if wanted in CASE_TRANSITIONS[get_case(session, req.case_id).status]:
        set_status(session, case.id, wanted, actor, f"request {req.id}")


def list_requests(session: Session, status: str | None = None) -> list[BlockingRequestRecord]:
    query = select(BlockingRequestRecord).order_by(BlockingRequestRecord.created_at.desc())
    if status:
        query = query.where(BlockingRequestRecord.status == status)
    return list(session.scalars(query))


def overdue_requests(session: Session, now: datetime | None = None) -> list[BlockingRequestRecord]:
    """Sent or acknowledged requests past their deadline: the regulator has not acted."""
    now = now or _now()
    waiting = session.scalars(
        select(BlockingRequestRecord).where(
            BlockingRequestRecord.status.in_(("sent", "acknowledged"))
        )
    )
    return [r for r in waiting if r.deadline is not None and as_utc(r.deadline) < now]  # type: ignore[operator]

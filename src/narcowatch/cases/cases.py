"""Cases: the unit of work that turns detections into evidence, requests and blocks.

A case gathers items, shops, indicators, citizen reports and traces; it is assigned to an
analyst and moves through ``open -> evidence_collected -> request_sent -> blocked ->
closed`` with a history of every move. Every change is written to the audit log.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.cases.auditing import audit
from narcowatch.errors import CaseError
from narcowatch.ids import make_id
from narcowatch.store.tables import (
    CaseLinkRecord,
    CaseRecord,
    DetectionRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
    ReportRecord,
    ShopMemberRecord,
    ShopRecord,
)

STATES = ("open", "evidence_collected", "request_sent", "blocked", "closed")
TRANSITIONS: dict[str, set[str]] = {
    "open": {"evidence_collected", "closed"},
    "evidence_collected": {"open", "request_sent", "closed"},
    "request_sent": {"evidence_collected", "blocked", "closed"},
    "blocked": {"request_sent", "closed"},  # back to request_sent when a target reappears
    "closed": {"open"},
}
REF_TABLES: dict[str, type[Any] | None] = {
    "item": ItemRecord,
    "detection": DetectionRecord,
    "shop": ShopRecord,
    "indicator": IndicatorRecord,
    "report": ReportRecord,
    "trace": None,  # a wallet address or trace id owned by trace/; not checked here
    "evidence": None,
    "mirror": None,
}


def _now() -> datetime:
    return datetime.now(UTC)


def _event(actor: str, action: str, **extra: Any) -> dict[str, Any]:
    return {"at": _now().isoformat(), "actor": actor, "action": action, **extra}


def get_case(session: Session, case_id: str) -> CaseRecord:
    case = session.get(CaseRecord, case_id)
    if case is None:
        raise CaseError(f"case {case_id} does not exist", code="E901", case_id=case_id)
    return case


def list_cases(
    session: Session, *, status: str | None = None, assignee: str | None = None
) -> list[CaseRecord]:
    query = select(CaseRecord).order_by(CaseRecord.updated_at.desc())
    if status:
        query = query.where(CaseRecord.status == status)
    if assignee:
        query = query.where(CaseRecord.assignee == assignee)
    return list(session.scalars(query))


def case_links(session: Session, case_id: str, ref_type: str | None = None) -> list[CaseLinkRecord]:
    query = select(CaseLinkRecord).where(CaseLinkRecord.case_id == case_id)
    if ref_type:
        query = query.where(CaseLinkRecord.ref_type == ref_type)
    return list(session.scalars(query.order_by(CaseLinkRecord.added_at, CaseLinkRecord.id)))


def link_labels(session: Session, links: list[CaseLinkRecord]) -> dict[str, str]:
    """Human-readable labels for links (indicator values, item URLs, shop names) by link id."""
    labels: dict[str, str] = {}
    for link in links:
        if link.ref_type in ("indicator", "mirror"):
            ind = session.get(IndicatorRecord, link.ref_id)
            if ind is not None:
                labels[link.id] = f"{ind.type}: {ind.value}"
        elif link.ref_type == "item":
            item = session.get(ItemRecord, link.ref_id)
            if item is not None:
                labels[link.id] = item.url or (item.text or "")[:60]
        elif link.ref_type == "shop":
            shop = session.get(ShopRecord, link.ref_id)
            if shop is not None:
                labels[link.id] = shop.name
    return labels


def create_case(
    session: Session,
    *,
    title: str,
    actor: str,
    assignee: str | None = None,
    case_id: str | None = None,
) -> CaseRecord:
    """Create an empty open case (``case_id`` lets callers make creation idempotent)."""
    title = title.strip()
    if not title:
        raise CaseError("a case needs a title", code="E905")
    case_id = case_id or make_id("case", uuid.uuid4().hex)
    existing = session.get(CaseRecord, case_id)
    if existing is not None:
        return existing
    now = _now()
    case = CaseRecord(
        id=case_id,
        title=title[:300],
        status="open",
        assignee=assignee,
        created_by=actor,
        notes=[],
        history=[_event(actor, "created", to="open")],
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    audit(session, actor, "case.create", "case", case.id, {"title": case.title})
    return case


def attach(session: Session, case_id: str, ref_type: str, ref_id: str, actor: str) -> bool:
    """Attach a reference to a case; returns False when it was already attached."""
    case = get_case(session, case_id)
    if ref_type not in REF_TABLES:
        raise CaseError(
            f"cannot attach {ref_type!r}; use one of {', '.join(REF_TABLES)}",
            code="E903",
            ref_type=ref_type,
        )
    table = REF_TABLES[ref_type]
    if table is not None and session.get(table, ref_id) is None:
        raise CaseError(f"{ref_type} {ref_id} does not exist", code="E904", ref_id=ref_id)
    link_id = make_id("case_link", case_id, ref_type, ref_id)
    if session.get(CaseLinkRecord, link_id) is not None:
        return False
    session.add(
        CaseLinkRecord(
            id=link_id, case_id=case_id, ref_type=ref_type, ref_id=ref_id, added_by=actor
        )
    )
    case.updated_at = _now()
    session.flush()
    audit(session, actor, "case.attach", "case", case_id, {"ref_type": ref_type, "ref_id": ref_id})
    return True


def assign(session: Session, case_id: str, assignee: str | None, actor: str) -> CaseRecord:
    case = get_case(session, case_id)
    before = case.assignee
    case.assignee = assignee
    case.history = [*case.history, _event(actor, "assigned", before=before, after=assignee)]
    case.updated_at = _now()
    audit(session, actor, "case.assign", "case", case_id, {"before": before, "after": assignee})
    return case


def set_status(
    session: Session, case_id: str, status: str, actor: str, comment: str = ""
) -> CaseRecord:
    """Move a case to ``status`` if the workflow allows it; the move is kept in history."""
    case = get_case(session, case_id)
    if status not in STATES:
        raise CaseError(f"unknown case state {status!r}", code="E902", status=status)
    if status == case.status:
        return case
    if status not in TRANSITIONS[case.status]:
        allowed = ", ".join(sorted(TRANSITIONS[case.status]))
        raise CaseError(
            f"a case in state {case.status} cannot move to {status} (allowed: {allowed})",
            code="E902",
            status=status,
        )
    before = case.status
    case.status = status
    case.history = [
        *case.history,
        _event(actor, "status", to=status, **{"from": before}, comment=comment),
    ]
    case.updated_at = _now()
    audit(session, actor, "case.status", "case", case_id, {"from": before, "to": status})
    return case


def add_note(session: Session, case_id: str, text: str, actor: str) -> CaseRecord:
    case = get_case(session, case_id)
    text = text.strip()
    if not text:
        raise CaseError("a note cannot be empty", code="E905")
    case.notes = [*case.notes, {"at": _now().isoformat(), "author": actor, "text": text}]
    case.updated_at = _now()
    audit(session, actor, "case.note", "case", case_id, {"length": len(text)})
    return case


def _item_indicators(session: Session, item_ids: list[str]) -> list[str]:
    query = select(ItemIndicatorRecord.indicator_id).where(
        ItemIndicatorRecord.item_id.in_(item_ids)
    )
    return sorted(set(session.scalars(query)))


def case_from_detections(
    session: Session, detection_ids: list[str], actor: str, title: str | None = None
) -> CaseRecord:
    """Open a case from reviewed detections: their items and the items' indicators."""
    dets = [session.get(DetectionRecord, d) for d in detection_ids]
    missing = [d for d, rec in zip(detection_ids, dets, strict=True) if rec is None]
    if missing or not dets:
        raise CaseError(f"detections not found: {missing}", code="E904", ref_id=missing)
    item_ids = sorted({d.item_id for d in dets if d is not None})
    case = create_case(
        session,
        title=title or f"Detections: {len(dets)} item(s)",
        actor=actor,
        case_id=make_id("case", "detections", *sorted(detection_ids)),
    )
    for det_id in detection_ids:
        attach(session, case.id, "detection", det_id, actor)
    for item_id in item_ids:
        attach(session, case.id, "item", item_id, actor)
    for ind_id in _item_indicators(session, item_ids):
        attach(session, case.id, "indicator", ind_id, actor)
    return case


def case_from_items(
    session: Session, item_ids: list[str], actor: str, title: str | None = None
) -> CaseRecord:
    """Open a case from items (e.g. citizen-reported links): the items and their indicators."""
    if not item_ids:
        raise CaseError("no items given", code="E904", ref_id=[])
    case = create_case(
        session,
        title=title or f"Items: {len(item_ids)}",
        actor=actor,
        case_id=make_id("case", "items", *sorted(item_ids)),
    )
    for item_id in item_ids:
        attach(session, case.id, "item", item_id, actor)
    for ind_id in _item_indicators(session, item_ids):
        attach(session, case.id, "indicator", ind_id, actor)
    return case


def case_from_shop(
    session: Session, shop_id: str, actor: str, title: str | None = None
) -> CaseRecord:
    """Open (or return) the case of a shop, with its member items and indicators."""
    shop = session.get(ShopRecord, shop_id)
    if shop is None:
        raise CaseError(f"shop {shop_id} does not exist", code="E904", ref_id=shop_id)
    case = create_case(
        session,
        title=title or f"Shop: {shop.name}",
        actor=actor,
        case_id=make_id("case", "shop", shop_id),
    )
    attach(session, case.id, "shop", shop_id, actor)
    members = session.scalars(select(ShopMemberRecord).where(ShopMemberRecord.shop_id == shop_id))
    for member in members:
        ref_type = "item" if member.member_type == "item" else "indicator"
        attach(session, case.id, ref_type, member.member_id, actor)
    return case

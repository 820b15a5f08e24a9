"""Report status: analysts act, reporters hear back through templated answers.

A status change is an event (``report_events``); events not yet told to the reporter are
the queue of answers the bot sends. Status only moves forward (received -> checking ->
sent_for_blocking -> blocked), except ``rejected``. Acting on a link acts on every report
of that link, so all 50 reporters of one shop hear that it was blocked.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.reports.errors import BAD_STATUS, UNKNOWN_REPORT, ReportError
from narcowatch.reports.kinds import FINAL_STATUSES, STATUS_RANK, STATUSES
from narcowatch.store.tables import (
    BlockingRequestRecord,
    DetectionRecord,
    ReportRecord,
    utcnow,
)
from narcowatch.store.tables_reports import (
    ReportEventRecord,
    ReportLinkRecord,
    ReportLinkRefRecord,
)

log = logging.getLogger(__name__)

# Statuses of other areas' records that mean something to a reporter.
DETECTION_TO_REPORT = {"confirmed": "checking", "escalated": "checking", "rejected": "rejected"}
# Blocking requests (cases area): draft -> sent -> acknowledged -> blocked | rejected.
BLOCKING_TO_REPORT = {
    "sent": "sent_for_blocking",
    "acknowledged": "sent_for_blocking",
    "blocked": "blocked",
}


def _moves_forward(old: str, new: str) -> bool:
    if old == new or old in FINAL_STATUSES:
        return False
    if new == "rejected":
        return True
    return STATUS_RANK.get(new, -1) > STATUS_RANK.get(old, -1)


def _audit(session: Session, actor: str, report: ReportRecord, status: str) -> None:
    try:
        from narcowatch.security import audit
    except ImportError:  # the security area is optional for the domain functions
        return
    audit.record(
        session,
        actor=actor,
        action="report.status",
        target_type="citizen_report",
        target_id=report.id,
        details={"number": report.number, "status": status},
    )


def set_status(
    session: Session, report: ReportRecord, status: str, *, actor: str, audit: bool = True
) -> bool:
    """Move ``report`` to ``status`` if that is progress; returns whether it changed."""
    if status not in STATUSES:
        raise ReportError(f"unknown report status {status!r}", code=BAD_STATUS)
    if not _moves_forward(report.status, status):
        return False
    now = utcnow()
    report.status = status
    report.updated_at = now
    eid = make_id("report-event", report.id, status)
    if session.get(ReportEventRecord, eid) is None:
        session.add(
            ReportEventRecord(id=eid, report_id=report.id, status=status, actor=actor, at=now)
        )
    if audit and actor != "system":
        _audit(session, actor, report, status)
    return True


def set_status_by_number(session: Session, number: str, status: str, *, actor: str) -> bool:
    report = session.scalar(select(ReportRecord).where(ReportRecord.number == number))
    if report is None:
        raise ReportError(f"no report numbered {number!r}", code=UNKNOWN_REPORT)
    return set_status(session, report, status, actor=actor)


def set_link_status(session: Session, url_or_id: str, status: str, *, actor: str) -> int:
    """Set the status of every report of one link; returns how many changed."""
    link = session.get(ReportLinkRecord, url_or_id) or session.scalar(
        select(ReportLinkRecord).where(ReportLinkRecord.url == url_or_id)
    )
    if link is None:
        raise ReportError(f"no reported link {url_or_id!r}", code=UNKNOWN_REPORT)
    reports = session.scalars(
        select(ReportRecord)
        .join(ReportLinkRefRecord, ReportLinkRefRecord.report_id == ReportRecord.id)
        .where(ReportLinkRefRecord.link_id == link.id)
    ).all()
    return sum(set_status(session, r, status, actor=actor) for r in reports)


def _blocking_targets(targets: list[Any]) -> list[str]:
    urls = []
    for target in targets:
        if isinstance(target, str):
            urls.append(target)
        elif isinstance(target, dict):
            value = target.get("target") or target.get("url") or target.get("value")
            if isinstance(value, str):
                urls.append(value)
    return urls


def sync_from_actions(session: Session) -> int:
    """Follow analysts' verdicts and blocking requests into report statuses."""
    from narcowatch.reports.links import canonical_url

    changed = 0
    open_reports = select(ReportRecord).where(ReportRecord.status.not_in(FINAL_STATUSES))
    for report in session.scalars(open_reports.where(ReportRecord.item_id.is_not(None))).all():
        for det in session.scalars(
            select(DetectionRecord).where(DetectionRecord.item_id == report.item_id)
        ):
            status = DETECTION_TO_REPORT.get(det.status)
            if status:
                changed += set_status(
                    session, report, status, actor=det.reviewed_by or "system", audit=False
                )
    for request in session.scalars(
        select(BlockingRequestRecord).where(BlockingRequestRecord.status.in_(BLOCKING_TO_REPORT))
    ).all():
        status = BLOCKING_TO_REPORT[request.status]
        for raw in _blocking_targets(request.targets):
            url = canonical_url(raw)
            if not url:
                continue
            # A bare domain or account covers every reported address under it.
            links = session.scalars(
                select(ReportLinkRecord).where(
                    (ReportLinkRecord.url == url) | ReportLinkRecord.url.startswith(url + "/")
                )
            ).all()
            for link in links:
                changed += set_link_status(session, link.id, status, actor="system")
    return changed


def pending_answers(
    session: Session, channel: str = "bot", limit: int = 5000
) -> list[tuple[ReportEventRecord, ReportRecord]]:
    """Status changes the reporter has not been told about yet, oldest first."""
    rows = session.execute(
        select(ReportEventRecord, ReportRecord)
        .join(ReportRecord, ReportRecord.id == ReportEventRecord.report_id)
        .where(ReportEventRecord.notified.is_(False), ReportRecord.channel == channel)
        .order_by(ReportEventRecord.at)
        .limit(limit)
    ).all()
    return [(event, report) for event, report in rows]


def mark_answered(session: Session, event_ids: list[str]) -> None:
    for eid in event_ids:
        event = session.get(ReportEventRecord, eid)
        if event is not None:
            event.notified = True


def report_history(session: Session, rid: str) -> list[ReportEventRecord]:
    return list(
        session.scalars(
            select(ReportEventRecord)
            .where(ReportEventRecord.report_id == rid)
            .order_by(ReportEventRecord.at)
        )
    )

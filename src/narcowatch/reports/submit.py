"""Submitting a report: validate, store once (idempotent), group its links, first event.

The report id is a hash of the channel, the pseudonym and a submission token chosen when
the reporter started the draft, so a redelivered or double-clicked submit finds the
report it already made instead of making a second one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.reports.errors import (
    BAD_KIND,
    BAD_LOCATION,
    EMPTY_REPORT,
    TEXT_TOO_LONG,
    TOO_MANY_REPORTS,
    ReportError,
)
from narcowatch.reports.kinds import KINDS, MAX_PHOTOS, MAX_TEXT, REGIONS
from narcowatch.reports.links import canonical_url, find_links
from narcowatch.reports.pseudonyms import base32
from narcowatch.store.tables import ReportRecord, utcnow
from narcowatch.store.tables_reports import (
    ReportCampaignRecord,
    ReportEventRecord,
    ReportLinkRecord,
    ReportLinkRefRecord,
)

DAILY_LIMIT = 30


@dataclass
class PhotoRef:
    """A cleaned photo already in the blob store."""

    sha256: str
    content_type: str
    gps: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "content_type": self.content_type, "gps": self.gps}


@dataclass
class ReportDraft:
    channel: str  # bot | web | import
    pseudonym: str
    token: str  # the submission token: one token, one report
    kind: str
    text: str = ""
    links: list[str] = field(default_factory=list)
    photos: list[PhotoRef] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None
    campaign: str | None = None
    region: str | None = None
    lang: str = "ru"


def report_id(channel: str, pseudonym: str, token: str) -> str:
    return make_id("report", channel, pseudonym, token)


def report_number(rid: str, extra: int = 0) -> str:
    """A short number to quote (``NW-7KQ2-M9XD``); random-looking, so it tells no volumes."""
    code = base32(bytes.fromhex(rid[extra * 2 : extra * 2 + 10]))
    return f"NW-{code[:4]}-{code[4:8]}"


def _validate(draft: ReportDraft) -> None:
    if draft.kind not in KINDS:
        raise ReportError(f"unknown report kind {draft.kind!r}", code=BAD_KIND)
    if len(draft.text) > MAX_TEXT:
        raise ReportError(f"the text is longer than {MAX_TEXT} characters", code=TEXT_TOO_LONG)
    if (draft.lat is None) != (draft.lon is None) or (
        draft.lat is not None
        and draft.lon is not None
        and not (-90 <= draft.lat <= 90 and -180 <= draft.lon <= 180)
    ):
        raise ReportError("the location is not valid coordinates", code=BAD_LOCATION)
    if not (draft.text.strip() or draft.links or draft.photos or draft.lat is not None):
        raise ReportError(
            "the report is empty: add a link, text, photo or place", code=EMPTY_REPORT
        )
    if len(draft.photos) > MAX_PHOTOS:
        raise ReportError(f"at most {MAX_PHOTOS} photos per report", code=EMPTY_REPORT)


def reports_today(session: Session, pseudonym: str, now: datetime) -> int:
    since = now - timedelta(days=1)
    return (
        session.scalar(
            select(func.count())
            .select_from(ReportRecord)
            .where(ReportRecord.pseudonym == pseudonym, ReportRecord.created_at >= since)
        )
        or 0
    )


def _unique_number(session: Session, rid: str) -> str:
    for extra in range(0, 11):
        number = report_number(rid, extra)
        if session.scalar(select(ReportRecord.id).where(ReportRecord.number == number)) is None:
            return number
    raise ReportError("no free report number", code=EMPTY_REPORT)  # 2**-400: never


def _group_links(session: Session, rid: str, urls: list[str], now: datetime) -> None:
    for url in urls:
        lid = make_id("report-link", url)
        if session.get(ReportLinkRecord, lid) is None:
            session.add(
                ReportLinkRecord(
                    id=lid,
                    url=url,
                    count=1,
                    first_reported_at=now,
                    last_reported_at=now,
                    first_report_id=rid,
                )
            )
        else:  # an atomic increment: concurrent reporters of one link all count
            session.execute(
                update(ReportLinkRecord)
                .where(ReportLinkRecord.id == lid)
                .values(count=ReportLinkRecord.count + 1, last_reported_at=now)
            )
        session.add(
            ReportLinkRefRecord(id=make_id("report-link-ref", rid, lid), report_id=rid, link_id=lid)
        )


def submit_report(
    session: Session,
    draft: ReportDraft,
    *,
    now: datetime | None = None,
    daily_limit: int = DAILY_LIMIT,
) -> tuple[ReportRecord, bool]:
    """Store ``draft`` once; returns (report, created). A second call returns the first."""
    rid = report_id(draft.channel, draft.pseudonym, draft.token)
    existing = session.get(ReportRecord, rid)
    if existing is not None:
        return existing, False
    _validate(draft)
    now = now or utcnow()
    if reports_today(session, draft.pseudonym, now) >= daily_limit:
        raise ReportError("too many reports in one day; please try tomorrow", code=TOO_MANY_REPORTS)
    region = draft.region if draft.region in REGIONS else None
    campaign = (draft.campaign or "")[:60] or None
    if campaign and region is None:
        camp = session.get(ReportCampaignRecord, campaign)
        region = camp.region if camp is not None else None
    urls = [u for u in (canonical_url(x) for x in draft.links) if u]
    urls = list(dict.fromkeys(urls + find_links(draft.text)))
    report = ReportRecord(
        id=rid,
        number=_unique_number(session, rid),
        channel=draft.channel,
        kind=draft.kind,
        pseudonym=draft.pseudonym,
        text=draft.text.strip(),
        campaign=campaign,
        region=region,
        lat=draft.lat,
        lon=draft.lon,
        blobs=[p.to_dict() for p in draft.photos],
        status="received",
        lang=draft.lang if draft.lang in ("ru", "kk", "en") else "ru",
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    _group_links(session, rid, urls, now)
    # The reporter sees the number at once; this first event needs no separate answer.
    session.add(
        ReportEventRecord(
            id=make_id("report-event", rid, "received"),
            report_id=rid,
            status="received",
            at=now,
            notified=True,
        )
    )
    session.flush()
    return report, True


def reports_of(session: Session, pseudonym: str, limit: int = 10) -> list[ReportRecord]:
    """The reporter's own latest reports (for ``/status``)."""
    return list(
        session.scalars(
            select(ReportRecord)
            .where(ReportRecord.pseudonym == pseudonym)
            .order_by(ReportRecord.created_at.desc())
            .limit(limit)
        )
    )


def find_by_number(session: Session, number: str) -> ReportRecord | None:
    return session.scalar(select(ReportRecord).where(ReportRecord.number == number.strip().upper()))


def report_links(session: Session, rid: str) -> list[ReportLinkRecord]:
    return list(
        session.scalars(
            select(ReportLinkRecord)
            .join(ReportLinkRefRecord, ReportLinkRefRecord.link_id == ReportLinkRecord.id)
            .where(ReportLinkRefRecord.report_id == rid)
            .order_by(ReportLinkRecord.url)
        )
    )

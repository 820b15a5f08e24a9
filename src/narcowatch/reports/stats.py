"""Statistics of citizen reports: volume per day, kind, campaign and region; outcomes.

"Led to a block" means the report reached the ``blocked`` status; the time to block is
measured from the report to its ``blocked`` event.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.store.tables import ReportRecord
from narcowatch.store.tables_reports import ReportEventRecord, ReportLinkRecord


@dataclass
class ReportStats:
    total: int = 0
    per_day: dict[str, int] = field(default_factory=dict)
    per_kind: dict[str, int] = field(default_factory=dict)
    per_campaign: dict[str, int] = field(default_factory=dict)
    per_region: dict[str, int] = field(default_factory=dict)
    per_status: dict[str, int] = field(default_factory=dict)
    per_channel: dict[str, int] = field(default_factory=dict)
    blocked: int = 0
    distinct_links: int = 0
    hours_to_block: list[float] = field(default_factory=list)

    @property
    def share_blocked(self) -> float:
        return self.blocked / self.total if self.total else 0.0

    @property
    def median_hours_to_block(self) -> float | None:
        return statistics.median(self.hours_to_block) if self.hours_to_block else None

    @property
    def mean_hours_to_block(self) -> float | None:
        return statistics.fmean(self.hours_to_block) if self.hours_to_block else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "per_day": self.per_day,
            "per_kind": self.per_kind,
            "per_campaign": self.per_campaign,
            "per_region": self.per_region,
            "per_status": self.per_status,
            "per_channel": self.per_channel,
            "blocked": self.blocked,
            "share_blocked": round(self.share_blocked, 4),
            "distinct_links": self.distinct_links,
            "median_hours_to_block": self.median_hours_to_block,
            "mean_hours_to_block": self.mean_hours_to_block,
        }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def report_stats(
    session: Session, since: datetime | None = None, until: datetime | None = None
) -> ReportStats:
    """Aggregate the reports created in [since, until)."""
    query = select(
        ReportRecord.id,
        ReportRecord.created_at,
        ReportRecord.kind,
        ReportRecord.campaign,
        ReportRecord.region,
        ReportRecord.status,
        ReportRecord.channel,
    )
    if since is not None:
        query = query.where(ReportRecord.created_at >= since)
    if until is not None:
        query = query.where(ReportRecord.created_at < until)
    rows = session.execute(query).all()
    created = {row.id: _aware(row.created_at) for row in rows}
    days: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    campaigns: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for row in rows:
        days[_aware(row.created_at).date().isoformat()] += 1
        kinds[row.kind] += 1
        campaigns[row.campaign or "-"] += 1
        regions[row.region or "-"] += 1
        statuses[row.status] += 1
        channels[row.channel] += 1
    out = ReportStats(
        total=len(rows),
        per_day=dict(sorted(days.items())),
        per_kind=dict(kinds.most_common()),
        per_campaign=dict(campaigns.most_common()),
        per_region=dict(regions.most_common()),
        per_status=dict(statuses.most_common()),
        per_channel=dict(channels.most_common()),
        blocked=statuses.get("blocked", 0),
    )
    blocked_events = session.execute(
        select(ReportEventRecord.report_id, ReportEventRecord.at).where(
            ReportEventRecord.status == "blocked"
        )
    ).all()
    out.hours_to_block = sorted(
        round((_aware(at) - created[rid]).total_seconds() / 3600, 3)
        for rid, at in blocked_events
        if rid in created
    )
    out.distinct_links = len(session.scalars(select(ReportLinkRecord.id)).all())
    return out

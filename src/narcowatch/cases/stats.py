"""Outcome figures: time-to-block and reappearance rate, from blocking requests.

Time-to-block is measured twice: from detection (when the system or a citizen found it)
and from the request being sent (how fast the regulator acts). The reappearance rate is
the share of blocked targets that came back at least once.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.cases.blocking import as_utc, overdue_requests
from narcowatch.store.tables import BlockingRequestRecord


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400.0


def _summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"median": None, "mean": None, "p90": None, "n": 0}
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "median": round(statistics.median(ordered), 2),
        "mean": round(statistics.fmean(ordered), 2),
        "p90": round(p90, 2),
        "n": len(ordered),
    }


def block_report(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Counts by status, time-to-block (days) and the reappearance rate."""
    now = now or datetime.now(UTC)
    requests = list(session.scalars(select(BlockingRequestRecord)))
    by_status: dict[str, int] = {}
    from_detection: list[float] = []
    from_request: list[float] = []
    blocked_targets = reappeared = currently_up = 0
    for req in requests:
        by_status[req.status] = by_status.get(req.status, 0) + 1
        for tgt in req.targets:
            if "blocked_at" not in tgt:
                continue
            blocked_targets += 1
            blocked_at = datetime.fromisoformat(tgt["blocked_at"])
            detected = datetime.combine(date.fromisoformat(tgt["detected_at"]), datetime.min.time())
            from_detection.append(max(0.0, _days(detected.replace(tzinfo=UTC), blocked_at)))
            sent = as_utc(req.sent_at)
            if sent is not None:
                from_request.append(max(0.0, _days(sent, blocked_at)))
            if int(tgt.get("reappearances", 0)) > 0:
                reappeared += 1
            if tgt.get("state") == "reappeared":
                currently_up += 1
    return {
        "requests": len(requests),
        "by_status": dict(sorted(by_status.items())),
        "overdue": len(overdue_requests(session, now)),
        "blocked_targets": blocked_targets,
        "time_to_block_from_detection_days": _summary(from_detection),
        "time_to_block_from_request_days": _summary(from_request),
        "reappeared_targets": reappeared,
        "currently_reappeared": currently_up,
        "reappearance_rate": round(reappeared / blocked_targets, 4) if blocked_targets else None,
    }

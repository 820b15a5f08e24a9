"""Scheduling: every enabled source with an interval gets one crawl job per interval slot.

The job key is ``<source id>@<slot>`` (slot = time // interval), so several schedulers
(one per worker) enqueue the same job id and never a duplicate. A source whose previous
crawl is still queued or running is not scheduled again.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from narcowatch.ingest.crawl import KIND
from narcowatch.pipeline.jobs import enqueue
from narcowatch.runtime import Runtime
from narcowatch.store.tables import JobRecord, SourceRecord

CRAWLED_KINDS = ("telegram_web", "telegram_mtproto", "web", "rss", "classifieds")


def schedule_due(rt: Runtime, now: datetime | None = None) -> list[str]:
    """Enqueue the crawls that are due; returns the source ids scheduled."""
    now = now or datetime.now(UTC)
    scheduled = []
    with rt.db.session() as session:
        busy = {
            (job.payload or {}).get("source_id")
            for job in session.scalars(
                select(JobRecord).where(
                    JobRecord.kind == KIND, JobRecord.status.in_(("queued", "running"))
                )
            )
        }
        sources = session.scalars(
            select(SourceRecord).where(
                SourceRecord.enabled.is_(True),
                SourceRecord.kind.in_(CRAWLED_KINDS),
                SourceRecord.interval_s.is_not(None),
            )
        ).all()
        for src in sources:
            if src.id in busy or not src.interval_s:
                continue
            slot = int(now.timestamp()) // max(int(src.interval_s), 1)
            job = enqueue(session, KIND, {"source_id": src.id}, key=f"{src.id}@{slot}")
            if job.status == "queued" and job.attempts == 0:
                scheduled.append(src.id)
    return scheduled


def crawl_now(rt: Runtime, source_id: str) -> str:
    """Enqueue an immediate crawl of one source (the UI's and CLI's "crawl now"); job id."""
    with rt.db.session() as session:
        job = enqueue(
            session,
            KIND,
            {"source_id": source_id},
            key=f"{source_id}@now@{datetime.now(UTC).isoformat()}",
        )
        return job.id

"""Politeness shared by every worker: one request delay per host, kept in the database.

Several ``narcowatch worker`` processes may crawl sources on the same host (a classified
site and its sitemap, two channels on t.me). A per-process timer would let each of them hit
the host at the configured rate, so the next allowed start time of each host lives in
``monitor_host_slots``: a worker reserves a slot in one short write transaction
(``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE`` on PostgreSQL), moves it on by the
delay and sleeps until its start. Wall-clock time is used, so workers on several machines
need synchronised clocks (NTP). A delay of 0 skips the database entirely.
"""

from __future__ import annotations

import time

from sqlalchemy.exc import IntegrityError

from narcowatch.store.db import Database
from narcowatch.store.tables_monitoring import HostSlotRecord


class HostPacer:
    """Hands out request start times per host, ``delay_s`` apart across all workers."""

    def __init__(self, db: Database, delay_s: float) -> None:
        self.db = db
        self.delay_s = max(0.0, float(delay_s))

    def reserve(self, host: str) -> float:
        """Reserve the next slot of ``host``; returns the seconds to wait before starting."""
        if self.delay_s <= 0:
            return 0.0
        for _ in range(3):  # two workers may insert a new host's row at once (PostgreSQL)
            try:
                return self._reserve(host[:300])
            except IntegrityError:
                continue
        return self.delay_s

    def _reserve(self, host: str) -> float:
        with self.db.session() as session:
            rec = session.get(HostSlotRecord, host, with_for_update=True)
            if rec is None:
                rec = HostSlotRecord(host=host, next_at=0.0)
                session.add(rec)
            now = time.time()
            start = max(now, float(rec.next_at or 0.0))
            rec.next_at = start + self.delay_s
        return start - now

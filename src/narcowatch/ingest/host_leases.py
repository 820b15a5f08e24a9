"""Requests in flight per host, bounded across every worker: slots leased in the database.

``crawl_host_concurrency`` is a promise to the site, not to one process: two workers
crawling two sources of one host must not each open that many connections. A crawl leases
free slots ``0 .. concurrency-1`` of a host (``monitor_host_leases``) when it first fetches
from it, and its fetcher never has more requests in flight there than slots held. Leases
carry an expiry, renewed while the crawl runs, so a killed worker's slots come free by
themselves; a crawl finding every slot taken waits for one. The database is touched on the
first request to a host, about every ``ttl/3`` seconds after, and at the end: never per
request.
"""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from narcowatch.errors import IngestError
from narcowatch.store.db import Database
from narcowatch.store.tables_monitoring import HostLeaseRecord

LEASE_TTL_S = 60.0
WAIT_POLL_S = 0.5


class HostLeases:
    """One crawl's slots per host, with a local semaphore sized by what it holds."""

    def __init__(self, db: Database, concurrency: int, ttl_s: float = LEASE_TTL_S) -> None:
        self.db = db
        self.want = max(1, int(concurrency))
        self.ttl_s = ttl_s
        self.holder = uuid.uuid4().hex
        self._held: dict[str, int] = {}  # host -> slots held
        self._gates: dict[str, threading.Semaphore] = {}
        self._renewed: dict[str, float] = {}
        self._lock = threading.Lock()

    def gate(self, host: str, timeout_s: float = 300.0) -> threading.Semaphore:
        """The semaphore bounding this crawl's requests to ``host`` (leasing on first use).

        Raises ``IngestError`` E152 when other crawls held every slot for ``timeout_s``."""
        host = host[:300]
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                deadline = time.monotonic() + timeout_s
                got = self._claim(host)
                while got == 0 and time.monotonic() < deadline:
                    time.sleep(WAIT_POLL_S)
                    got = self._claim(host)
                if got == 0:
                    raise IngestError(
                        f"{host}: every one of its {self.want} request slots is held by other "
                        "crawls; this crawl will be retried",
                        code="E152",
                        host=host,
                    )
                self._held[host] = got
                self._renewed[host] = time.monotonic()
                gate = self._gates[host] = threading.Semaphore(got)
            elif time.monotonic() - self._renewed[host] > self.ttl_s / 3:
                more = self._claim(host) - self._held[host]  # renews, and takes freed slots
                self._renewed[host] = time.monotonic()
                for _ in range(max(0, more)):
                    gate.release()
                self._held[host] += max(0, more)
            return gate

    def held(self, host: str) -> int:
        return self._held.get(host[:300], 0)

    def _claim(self, host: str) -> int:
        """Renew this crawl's slots of ``host`` and take free or expired ones up to ``want``."""
        for _ in range(3):  # two workers may insert the same new slot at once (PostgreSQL)
            try:
                return self._claim_once(host)
            except IntegrityError:
                continue
        return 0

    def _claim_once(self, host: str) -> int:
        now = time.time()
        with self.db.session() as session:
            rows = {
                rec.slot: rec
                for rec in session.scalars(
                    select(HostLeaseRecord).where(HostLeaseRecord.host == host).with_for_update()
                )
            }
            mine = 0
            for slot in range(self.want):
                rec = rows.get(slot)
                if rec is None:
                    rec = HostLeaseRecord(host=host, slot=slot)
                    session.add(rec)
                elif rec.holder != self.holder and rec.expires_at > now:
                    continue  # another crawl's live lease
                rec.holder, rec.expires_at = self.holder, now + self.ttl_s
                mine += 1
        return mine

    def release(self) -> None:
        """Give every slot back (end of the crawl)."""
        if not self._held:
            return
        with self.db.session() as session:
            session.execute(delete(HostLeaseRecord).where(HostLeaseRecord.holder == self.holder))
        self._held.clear()
        self._gates.clear()

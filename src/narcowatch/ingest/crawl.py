"""One crawl of one monitored source, run as a ``monitor.crawl`` job.

The crawl reads the source record (kind, url, config, cursor), hands a polite fetcher and a
``save`` callback to the kind's crawler, and records the outcome on the source's health.
``save`` stores a batch of items *and* the new cursor in one transaction, so a worker killed
mid-crawl resumes from the last saved page and the re-run is an upsert (deterministic ids).
Errors of single pages are counted on the source (``cursor['health']``); an error of the
whole crawl marks the source ``error`` with its message and is re-raised for the job retry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from narcowatch.errors import IngestError
from narcowatch.ids import make_id
from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.host_leases import HostLeases
from narcowatch.ingest.polite import HostPacer
from narcowatch.net.fetch import FetchLimits, FetchResult, SafeFetcher
from narcowatch.net.guard import FetchError
from narcowatch.pipeline.counters import Counters
from narcowatch.pipeline.intake import put_blobs, store_items
from narcowatch.runtime import Runtime
from narcowatch.store.tables import SourceRecord, utcnow

log = logging.getLogger(__name__)
KIND = "monitor.crawl"


class PoliteFetcher:
    """The SSRF-guarded fetcher with per-host pacing shared by all workers.

    The delay between two request starts to one host is reserved in the database
    (:class:`HostPacer`), so every worker process respects the same delay; the requests in
    flight to one host are bounded by ``concurrency`` across all workers
    (:class:`HostLeases`). ``proxy`` comes from the source's config or ``Settings.crawl_proxy``.
    """

    def __init__(self, rt: Runtime, proxy: str | None = None) -> None:
        st = rt.settings
        self.delay_s = float(st.crawl_host_delay_s)
        self.pacer = HostPacer(rt.db, self.delay_s)
        self.proxy = proxy or st.crawl_proxy or None
        self.inner = SafeFetcher(
            allowed_hosts=st.allowed_hosts,
            limits=FetchLimits.from_settings(st),
            user_agent=st.crawl_user_agent,
            proxy=self.proxy,
        )
        self.concurrency = max(1, int(st.crawl_host_concurrency))
        self.leases = HostLeases(rt.db, self.concurrency)
        self._lock = threading.Lock()
        self.requests = 0

    def _wait_s(self, url: str) -> float:
        with self._lock:
            self.requests += 1
        return self.pacer.reserve(urlsplit(url).hostname or "")

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> FetchResult:
        """Fetch ``url`` within the host's leased slots, once its next start time has come
        (thread-safe)."""
        with self.leases.gate(urlsplit(url).hostname or ""):
            wait = self._wait_s(url)
            if wait > 0:
                time.sleep(wait)
            try:
                return self.inner.fetch(url, headers)
            except OSError as exc:  # e.g. a socket closed by a "Connection: close" server
                raise FetchError(f"cannot fetch {url}: {exc}", code="E954", url=url) from exc

    def close(self) -> None:
        self.inner.close()
        self.leases.release()


@dataclass
class CrawlState:
    """What a crawler sees and reports: the source, its cursor and page-level problems."""

    source_id: str
    kind: str
    url: str | None
    config: dict[str, Any]
    cursor: dict[str, Any]
    problems: dict[str, int] = field(default_factory=dict)
    last_problem: str | None = None
    pages: int = 0
    items: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def problem(self, key: str, message: str) -> None:
        """Count a page-level problem (called from the crawl's fetch threads)."""
        with self._lock:
            self.problems[key] = self.problems.get(key, 0) + 1
            self.last_problem = message[:500]
        log.info("source %s: %s", self.source_id, message)


class Save(Protocol):
    """Store items and the cursor in one transaction; ``also`` writes more in it."""

    def __call__(
        self,
        items: list[IncomingItem],
        cursor: dict[str, Any],
        also: Callable[[Session], None] | None = None,
    ) -> None: ...


class Crawler(Protocol):
    def __call__(
        self, rt: Runtime, state: CrawlState, fetcher: PoliteFetcher, save: Save
    ) -> None: ...


def crawlers() -> dict[str, Crawler]:
    from narcowatch.ingest import classifieds, rss, telegram_crawl, telegram_mtproto_crawl, web

    return {
        "telegram_web": telegram_crawl.crawl,
        "telegram_mtproto": telegram_mtproto_crawl.crawl,
        "web": web.crawl,
        "rss": rss.crawl,
        "classifieds": classifieds.crawl,
    }


def add_source(
    rt: Runtime,
    kind: str,
    url: str,
    name: str | None = None,
    config: dict[str, Any] | None = None,
    interval_s: int | None = None,
) -> str:
    """Create or update a monitored source; returns its id."""
    if kind not in crawlers():
        raise IngestError(f"unknown source kind {kind!r}", code="E143", kinds=sorted(crawlers()))
    name = name or url
    sid = make_id("source", kind, name)
    with rt.db.session() as session:
        rec = session.get(SourceRecord, sid)
        if rec is None:
            rec = SourceRecord(id=sid, kind=kind, name=name)
            session.add(rec)
        rec.url, rec.config = url, dict(config or {})
        rec.interval_s = interval_s if interval_s is not None else rt.settings.crawl_interval_s
        rec.enabled = True
    return sid


def _saver(rt: Runtime, state: CrawlState, counters: Counters) -> Save:
    def save(
        items: list[IncomingItem],
        cursor: dict[str, Any],
        also: Callable[[Session], None] | None = None,
    ) -> None:
        digests = put_blobs(rt.blobs, items)  # before the transaction: shorter write lock
        rt.blobs.sync()
        with rt.db.session() as session:
            src = session.get(SourceRecord, state.source_id)
            assert src is not None
            outcomes = store_items(session, rt.blobs, src, items, digests) if items else []
            new = outcomes.count("new")
            for outcome in outcomes:
                counters.add("ingest", outcome)
            counters.add("ingest", "items", len(outcomes))
            src.items_found += new
            src.cursor = dict(cursor)
            state.cursor = dict(cursor)
            state.items += new
            if also is not None:
                also(session)
            counters.flush(session)
            if any(item.attachments for item in items):  # stored by store_items
                rt.blobs.sync()

    return save


def crawl_source(rt: Runtime, source_id: str) -> dict[str, Any]:
    """Run one crawl of a source; returns a summary. Raises when the whole crawl failed."""
    with rt.db.session() as session:
        src = session.get(SourceRecord, source_id)
        if src is None:
            raise IngestError(f"no source {source_id}", code="E144")
        state = CrawlState(src.id, src.kind, src.url, dict(src.config), dict(src.cursor))
    crawler = crawlers().get(state.kind)
    if crawler is None:
        raise IngestError(f"source kind {state.kind!r} cannot be crawled", code="E143")
    counters = Counters()
    fetcher = PoliteFetcher(rt, state.config.get("proxy"))
    error: str | None = None
    try:
        host = urlsplit(state.url or "").hostname
        if host:  # wait for a slot of the source's own host before anything starts
            fetcher.leases.gate(host)
        crawler(rt, state, fetcher, _saver(rt, state, counters))
    except Exception as exc:  # recorded on the source, then re-raised for the job's retry
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        fetcher.close()
        _record_health(rt, state, error)
    return {"pages": state.pages, "new_items": state.items, "problems": state.problems}


def _record_health(rt: Runtime, state: CrawlState, error: str | None) -> None:
    with rt.db.session() as session:
        src = session.get(SourceRecord, state.source_id)
        if src is None:
            return
        cursor = dict(src.cursor)
        health = dict(cursor.get("health", {}))
        for key, n in state.problems.items():
            health[key] = int(health.get(key, 0)) + n
        health["last_run"] = {"pages": state.pages, "new_items": state.items, "at": str(utcnow())}
        cursor["health"] = health
        src.cursor = cursor
        if error is not None:
            src.health, src.last_error = "error", error[:2000]
        else:
            src.health = "degraded" if state.problems else "ok"
            src.last_success = utcnow()
            src.last_error = state.last_problem


def _handle(rt: Runtime, payload: dict[str, Any]) -> dict[str, Any]:
    return crawl_source(rt, payload["source_id"])


def register_handlers() -> None:
    from narcowatch.pipeline import jobs

    jobs.register(KIND, _handle)

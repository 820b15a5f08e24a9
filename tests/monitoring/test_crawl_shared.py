"""Crawls shared between worker processes: a resumed frontier and one delay per host.

Real ``narcowatch worker`` processes against real HTTP servers on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import func, select

from narcowatch.ingest.crawl import add_source
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, JobRecord
from narcowatch.store.tables_monitoring import FrontierRecord
from tests.conftest import make_settings
from tests.fakes.fixture_web import FixtureWeb, serve_fixture_web


def _env(tmp_path: Path, pg_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        NARCOWATCH_DATA_DIR=str(tmp_path / "data"),
        NARCOWATCH_DATABASE_URL=pg_url,
        NARCOWATCH_SECRET_KEY="k",
        NARCOWATCH_PSEUDONYM_KEY="k",
        NARCOWATCH_ALLOWED_HOSTS="127.0.0.1",
        NARCOWATCH_JOB_LEASE_S="1.5",
        **extra,
    )
    return env


def _worker(env: dict[str, str], once: bool = False) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "narcowatch.cli.main", "worker", "--poll", "0.2", "--no-pipeline"]
    return subprocess.Popen(args + (["--once"] if once else []), env=env, stderr=subprocess.PIPE)


SITE = {"sitemap": False, "max_depth": 1000, "max_pages": 1000, "save_every": 10}


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_killed_website_crawl_resumes_from_its_frontier(
    tmp_path: Path, db: str, request: pytest.FixtureRequest
) -> None:
    """SIGKILL mid-crawl: the re-run fetches no page saved before the kill, loses none."""
    pg_url = request.getfixturevalue("pg_url") if db == "postgres" else ""
    pages = 120
    with serve_fixture_web(FixtureWeb(site_pages=pages, delay_s=0.05)) as web:
        env = _env(tmp_path, pg_url, NARCOWATCH_CRAWL_HOST_DELAY_S="0")
        rt = Runtime.open(make_settings(tmp_path, pg_url))
        sid = add_source(rt, "web", f"{web.base}/site/p/1", config=SITE, interval_s=86400)

        def stored() -> int:
            with rt.db.session(readonly=True) as s:
                return s.scalar(select(func.count()).select_from(ItemRecord)) or 0

        first = _worker(env)
        deadline = time.monotonic() + 300  # generous: a loaded machine starts workers slowly
        while stored() < 30 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)
        assert first.poll() is None, first.stderr.read().decode() if first.stderr else ""
        first.send_signal(signal.SIGKILL)
        first.wait()
        with rt.db.session(readonly=True) as s:
            saved = set(
                s.scalars(
                    select(FrontierRecord.url).where(
                        FrontierRecord.source_id == sid, FrontierRecord.done.is_(True)
                    )
                )
            )
        assert 30 <= len(saved) < pages
        hits_at_kill = dict(web.hits)
        time.sleep(1.6)  # the lease of the killed worker's job runs out
        second = _worker(env, once=True)
        assert second.wait(timeout=300) == 0, second.stderr.read().decode() if second.stderr else ""
        with rt.db.session(readonly=True) as s:
            ids = s.scalars(select(ItemRecord.external_id).where(ItemRecord.source_id == sid)).all()
            job = s.scalars(select(JobRecord)).one()
            left = s.scalar(select(func.count()).select_from(FrontierRecord))
        rt.close()
    assert job.status == "done" and job.attempts == 2
    assert sorted(ids) == sorted(f"{web.base}/site/p/{n}" for n in range(1, pages + 1))
    for url in saved:  # saved before the kill: never fetched again
        path = url.removeprefix(web.base)
        assert web.hits[path] == hits_at_kill[path] == 1, path
    assert left == 0  # a finished crawl drops its frontier


PAGES = 5


class _Timed(BaseHTTPRequestHandler):
    """Pages /<a|b>/<n> linking to the next; records when each request arrived."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[float, str]]] = []
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        with self.lock:
            self.seen.append((time.monotonic(), self.path))
        section, n = self.path.strip("/").split("/")
        body = (
            f"<html><head><title>{section} {n}</title></head><body><p>Страница {n} раздела "
            f"{section}.</p><a href='/{section}/{int(n) + 1}'>next</a></body></html>"
        ).encode()
        code = 200 if int(n) <= PAGES else 404
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def _timed_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Timed)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_two_workers_keep_one_delay_per_host(tmp_path: Path) -> None:
    """Two worker processes crawling two sources of one host space their requests."""
    delay = 1.0
    _Timed.seen = []
    with _timed_server() as base:
        env = _env(tmp_path, "", NARCOWATCH_CRAWL_HOST_DELAY_S=str(delay))
        rt = Runtime.open(make_settings(tmp_path, ""))
        for section in ("a", "b"):
            config = {"sitemap": False, "max_depth": 10}
            add_source(rt, "web", f"{base}/{section}/1", config=config, interval_s=86400)
        workers = [_worker(env) for _ in range(2)]  # each claims one crawl while both run
        deadline = time.monotonic() + 300
        jobs: list[JobRecord] = []
        while time.monotonic() < deadline:
            with rt.db.session(readonly=True) as s:
                jobs = list(s.scalars(select(JobRecord)).all())
            if len(jobs) == 2 and all(j.status == "done" for j in jobs):
                break
            time.sleep(0.2)
        for w in workers:
            w.send_signal(signal.SIGTERM)
            w.wait(timeout=30)
        rt.close()
    assert [j.status for j in jobs] == ["done", "done"]
    times = sorted(t for t, _ in _Timed.seen)
    assert len(times) == 2 * (PAGES + 1)  # the pages and the 404 after them, per section
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # slots are reserved 1 s apart; half of that leaves room for a loaded machine's jitter
    assert min(gaps) >= delay / 2, gaps


class _Counted(BaseHTTPRequestHandler):
    """Slow pages /<a|b>/<n>, each linking to 3 more; records the most requests in flight."""

    protocol_version = "HTTP/1.1"
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        time.sleep(0.05)
        section, n = self.path.strip("/").split("/")
        links = "".join(f"<a href='/{section}/{3 * int(n) + k}'>x</a>" for k in range(3))
        body = f"<html><body><p>Страница {n}.</p>{links}</body></html>".encode()
        with cls.lock:
            cls.in_flight -= 1
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_two_crawls_share_one_hosts_concurrency(any_runtime: Runtime) -> None:
    """Concurrency 2 per host is a promise to the site: two crawls of two sources of it
    (each with its own fetcher, as in two workers) never have more than 2 requests in
    flight there together; the second waits for slots and then runs."""
    from narcowatch.ingest.crawl import crawl_source

    _Counted.most = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counted)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    st = any_runtime.settings
    st.allowed_hosts, st.crawl_host_delay_s, st.crawl_host_concurrency = ["127.0.0.1"], 0.0, 2
    config = {"sitemap": False, "max_depth": 10, "max_pages": 60, "max_pages_per_pattern": 999}
    sids = [add_source(any_runtime, "web", f"{base}/{s}/1", config=config) for s in "ab"]
    results: dict[str, dict[str, object]] = {}
    start = threading.Barrier(2)

    def crawl(sid: str) -> None:
        start.wait()
        results[sid] = crawl_source(any_runtime, sid)

    threads = [threading.Thread(target=crawl, args=(sid,)) for sid in sids]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        server.shutdown()
        server.server_close()
    assert [results[sid]["new_items"] for sid in sids] == [60, 60]
    assert _Counted.most == 2  # together, never more than the host's slots

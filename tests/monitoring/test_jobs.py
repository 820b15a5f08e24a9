"""The job queue: claimed once, retried with back-off, recovered after a killed worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from narcowatch.ingest.crawl import KIND, add_source
from narcowatch.pipeline import jobs
from narcowatch.pipeline.scheduler import schedule_due
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord, JobRecord
from tests.fakes.fixture_web import FixtureWeb, serve_fixture_web

CALLS: list[int] = []


def _flaky(rt: Runtime, payload: dict) -> dict:
    CALLS.append(payload["n"])
    if payload.get("fail"):
        raise RuntimeError("boom")
    return {"ok": payload["n"]}


def test_each_job_is_claimed_once_by_competing_workers(crawl_rt: Runtime) -> None:
    jobs.register("test.flaky", _flaky)
    with crawl_rt.db.session() as s:
        for n in range(40):
            jobs.enqueue(s, "test.flaky", {"n": n})
        again = jobs.enqueue(s, "test.flaky", {"n": 0}, key="k")
        assert jobs.enqueue(s, "test.flaky", {"n": 0}, key="k").id == again.id

    def grab(w: int) -> list[str]:
        got = []
        while batch := jobs.claim(crawl_rt.db, f"w{w}", ["test.flaky"], limit=3):
            got += [job_id for job_id, _, _ in batch]
        return got

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(grab, range(4)))
    claimed = [j for r in results for j in r]
    assert len(claimed) == 41 and len(set(claimed)) == 41


def test_failures_back_off_then_fail(lite_rt: Runtime) -> None:
    jobs.register("test.flaky", _flaky)
    lite_rt.settings.job_backoff_s = 10.0
    lite_rt.settings.job_max_attempts = 2
    with lite_rt.db.session() as s:
        job_id = jobs.enqueue(s, "test.flaky", {"n": 1, "fail": True}).id
    assert jobs.run_due(lite_rt, "w", kinds=["test.flaky"]) == [(job_id, "queued")]
    with lite_rt.db.session() as s:
        job = s.get(JobRecord, job_id)
        assert job is not None and "boom" in (job.last_error or "")
        assert job.run_after.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(seconds=8)
        job.run_after = datetime.now(UTC)
    assert jobs.run_due(lite_rt, "w", kinds=["test.flaky"]) == [(job_id, "failed")]
    assert jobs.run_due(lite_rt, "w", kinds=["test.flaky"]) == []


def test_stale_job_is_requeued_and_old_worker_cannot_finish(lite_rt: Runtime) -> None:
    jobs.register("test.flaky", _flaky)
    past = datetime.now(UTC) - timedelta(hours=1)
    with lite_rt.db.session() as s:
        job_id = jobs.enqueue(s, "test.flaky", {"n": 2}, run_after=past).id
    assert jobs.claim(lite_rt.db, "dead", ["test.flaky"], now=past)[0][0] == job_id
    assert jobs.recover_stale(lite_rt.db, jobs.QueuePolicy(lease_s=60)) == 1
    assert jobs.claim(lite_rt.db, "alive", ["test.flaky"])[0][0] == job_id
    policy = jobs.QueuePolicy()
    assert jobs.finish(lite_rt.db, job_id, "dead", None, policy) == "lost-lease"
    assert jobs.finish(lite_rt.db, job_id, "alive", None, policy) == "done"


def test_scheduler_enqueues_one_job_per_slot(lite_rt: Runtime) -> None:
    sid = add_source(lite_rt, "rss", "http://127.0.0.1:9/feed", interval_s=3600)
    assert schedule_due(lite_rt) == [sid]
    assert schedule_due(lite_rt) == []  # still queued
    with lite_rt.db.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(JobRecord).where(JobRecord.kind == KIND)) == 1
        )


def _worker(env: dict[str, str], once: bool = False) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "narcowatch.cli.main", "worker", "--poll", "0.2", "--no-pipeline"]
    return subprocess.Popen(args + (["--once"] if once else []), env=env, stderr=subprocess.PIPE)


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_killed_worker_loses_nothing(
    tmp_path: Path, db: str, request: pytest.FixtureRequest
) -> None:
    """SIGKILL a worker mid-crawl; a second worker recovers the job; every post once."""
    pg_url = request.getfixturevalue("pg_url") if db == "postgres" else ""
    with serve_fixture_web(FixtureWeb(channels={"big_channel": 200}, delay_s=0.08)) as web:
        env = dict(os.environ)
        env.update(
            NARCOWATCH_DATA_DIR=str(tmp_path / "data"),
            NARCOWATCH_DATABASE_URL=pg_url,
            NARCOWATCH_SECRET_KEY="k",
            NARCOWATCH_PSEUDONYM_KEY="k",
            NARCOWATCH_ALLOWED_HOSTS="127.0.0.1",
            NARCOWATCH_CRAWL_HOST_DELAY_S="0.25",
            NARCOWATCH_TELEGRAM_WEB_BASE=f"{web.base}/tg",
            NARCOWATCH_JOB_LEASE_S="1.5",
        )
        from tests.conftest import make_settings

        rt = Runtime.open(make_settings(tmp_path, pg_url))
        sid = add_source(rt, "telegram_web", "big_channel", interval_s=86400)

        def stored() -> int:
            with rt.db.session() as s:
                return s.scalar(select(func.count()).select_from(ItemRecord)) or 0

        first = _worker(env)
        deadline = time.monotonic() + 60
        while stored() < 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = stored()
        assert 40 <= killed_at < 200
        with rt.db.session() as s:
            job = s.scalars(select(JobRecord).where(JobRecord.kind == KIND)).one()
            assert job.status == "running"  # orphaned by the kill
        time.sleep(1.6)  # the lease runs out
        second = _worker(env, once=True)
        assert second.wait(timeout=90) == 0, second.stderr.read().decode() if second.stderr else ""
        with rt.db.session() as s:
            ids = s.scalars(select(ItemRecord.external_id).where(ItemRecord.source_id == sid)).all()
            job = s.scalars(select(JobRecord).where(JobRecord.kind == KIND)).one()
            assert job.status == "done" and job.attempts == 2
        assert sorted(map(int, ids)) == list(range(1, 201))
        rt.close()


def test_cli_sources_worker_once_and_dedup(tmp_path: Path, web: FixtureWeb) -> None:
    env = dict(
        NARCOWATCH_DATA_DIR=str(tmp_path / "cli"),
        NARCOWATCH_SECRET_KEY="k",
        NARCOWATCH_PSEUDONYM_KEY="k",
        NARCOWATCH_ALLOWED_HOSTS="127.0.0.1",
        NARCOWATCH_CRAWL_HOST_DELAY_S="0",
        NARCOWATCH_TELEGRAM_WEB_BASE=f"{web.base}/tg",
        COLUMNS="250",
    )
    from typer.testing import CliRunner

    from narcowatch.cli.main import app

    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        done = runner.invoke(app, list(args), env=env)
        assert done.exit_code == code, done.output
        return done.output

    run("sources", "add", "telegram_web", "shop_channel", "--interval", "600")
    run("sources", "add", "rss", f"{web.base}/feed.rss", "--interval", "600")
    out = run("worker", "--once")
    assert out.count('"done"') == 2
    listing = run("sources", "list")
    assert "shop_channel" in listing and "ok" in listing
    assert '"groups"' in run("dedup")
    assert "E143" in run("sources", "add", "ftp", "x", code=2)


def test_in_process_worker_runs_scheduled_crawls(lite_rt: Runtime, web: FixtureWeb) -> None:
    from narcowatch.pipeline.scheduler import schedule_due

    sid = add_source(lite_rt, "rss", f"{web.base}/feed.atom", interval_s=600)
    thread, stop = jobs.start_in_process(
        lite_rt, poll_s=0.05, on_tick=lambda: schedule_due(lite_rt)
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and jobs.counts(lite_rt.db).get("done", 0) < 1:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    with lite_rt.db.session() as s:
        n = s.scalar(
            select(func.count()).select_from(ItemRecord).where(ItemRecord.source_id == sid)
        )
    assert n == 5

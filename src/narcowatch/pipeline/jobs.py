"""The generic job queue over ``JobRecord``: enqueue, claim once, retry, recover, run.

Every background task (crawls, captures, re-checks) is a job of a registered ``kind``.
A job is claimed by exactly one worker: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``, on
SQLite with a single-statement ``UPDATE ... WHERE status='queued'`` whose row count says
who won. A claim is a lease: a worker that dies (SIGKILL, power cut) leaves its job
``running`` with an old ``locked_at``; the next claim puts such jobs back in the queue, so
nothing is lost. Handlers must be idempotent (deterministic ids make a re-run an upsert).
Failures are retried with exponential back-off up to ``max_attempts``.

No library gives this over our own tables on both SQLite and PostgreSQL (Celery/RQ need a
broker), so it is written here; it is small on purpose.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from narcowatch.errors import PipelineError
from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.store.db import Database
from narcowatch.store.tables import JobRecord

log = logging.getLogger(__name__)

Handler = Callable[[Runtime, dict[str, Any]], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


@dataclass(frozen=True)
class QueuePolicy:
    lease_s: float = 600.0  # a running job older than this is taken to be orphaned
    max_attempts: int = 5
    backoff_s: float = 30.0  # first retry delay; doubles with each attempt
    backoff_max_s: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Any) -> QueuePolicy:
        return cls(
            lease_s=float(getattr(settings, "job_lease_s", cls.lease_s)),
            max_attempts=int(getattr(settings, "job_max_attempts", cls.max_attempts)),
            backoff_s=float(getattr(settings, "job_backoff_s", cls.backoff_s)),
        )


def register(kind: str, handler: Handler) -> None:
    """Make ``kind`` runnable by workers (idempotent)."""
    HANDLERS[kind] = handler


def load_default_handlers() -> None:
    """Register the job kinds of every area (imported lazily: areas import this module)."""
    from narcowatch.cases import jobs as cases_jobs
    from narcowatch.ingest import crawl

    for kind, handler in cases_jobs.HANDLERS.items():
        register(kind, handler)
    crawl.register_handlers()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any],
    *,
    key: str | None = None,
    run_after: datetime | None = None,
) -> JobRecord:
    """Add a job unless one with the same ``key`` (default: payload + time) exists already."""
    when = run_after or datetime.now(UTC)
    natural = key if key is not None else json.dumps(payload, sort_keys=True) + when.isoformat()
    job_id = make_id("job", kind, natural)
    job = session.get(JobRecord, job_id)
    if job is None:
        job = JobRecord(id=job_id, kind=kind, payload=payload, status="queued", run_after=when)
        session.add(job)
        session.flush()
    return job


def recover_stale(db: Database, policy: QueuePolicy, now: datetime | None = None) -> int:
    """Put jobs of dead workers back in the queue; returns how many."""
    now = now or datetime.now(UTC)
    with db.session() as session:
        res = session.execute(
            update(JobRecord)
            .where(
                JobRecord.status == "running",
                JobRecord.locked_at < now - timedelta(seconds=policy.lease_s),
            )
            .values(status="queued", locked_by=None, locked_at=None, run_after=now)
        )
        n = int(res.rowcount or 0)  # type: ignore[attr-defined]
    if n:
        log.warning("re-queued %d job(s) left running by a dead worker", n)
    return n


def claim(
    db: Database,
    worker: str,
    kinds: Iterable[str] | None = None,
    limit: int = 1,
    now: datetime | None = None,
) -> list[tuple[str, str, dict[str, Any]]]:
    """Take up to ``limit`` due jobs for ``worker``; no two workers get the same job."""
    now = now or datetime.now(UTC)
    kinds = list(kinds if kinds is not None else HANDLERS)
    claimed: list[tuple[str, str, dict[str, Any]]] = []
    with db.session() as session:
        query = (
            select(JobRecord)
            .where(
                JobRecord.status == "queued",
                JobRecord.kind.in_(kinds),
                JobRecord.run_after <= now,
            )
            .order_by(JobRecord.run_after, JobRecord.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            for job in session.scalars(query.with_for_update(skip_locked=True)):
                job.status, job.locked_by, job.locked_at = "running", worker, now
                job.attempts += 1
                claimed.append((job.id, job.kind, dict(job.payload)))
            return claimed
        candidates = [(j.id, j.kind, dict(j.payload)) for j in session.scalars(query)]
    # SQLite: a read transaction cannot be upgraded to a write once another writer has
    # committed (SQLITE_BUSY at once), so each claim is its own write-only transaction.
    for job_id, kind, payload in candidates:
        with db.session() as session:
            res = session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id, JobRecord.status == "queued")
                .values(
                    status="running",
                    locked_by=worker,
                    locked_at=now,
                    attempts=JobRecord.attempts + 1,
                )
            )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append((job_id, kind, payload))
    return claimed


def finish(db: Database, job_id: str, worker: str, error: str | None, policy: QueuePolicy) -> str:
    """Record the outcome; a worker whose lease was taken over leaves the job alone."""
    now = datetime.now(UTC)
    with db.session() as session:
        job = session.get(JobRecord, job_id)
        if job is None or job.locked_by != worker:
            return "lost-lease"
        job.locked_by = job.locked_at = None
        if error is None:
            job.status, job.finished_at, job.last_error = "done", now, None
        elif job.attempts < policy.max_attempts:
            delay = min(policy.backoff_s * 2 ** (job.attempts - 1), policy.backoff_max_s)
            job.status, job.last_error = "queued", error[:2000]
            job.run_after = now + timedelta(seconds=delay)
        else:
            job.status, job.finished_at, job.last_error = "failed", now, error[:2000]
        return job.status


def _heartbeat(
    db: Database, job_id: str, worker: str, every_s: float, stop: threading.Event
) -> None:
    """Keep the lease of a long job fresh, so only a dead worker's jobs look stale."""
    while not stop.wait(every_s):
        try:
            with db.session() as session:
                session.execute(
                    update(JobRecord)
                    .where(JobRecord.id == job_id, JobRecord.locked_by == worker)
                    .values(locked_at=datetime.now(UTC))
                )
        except Exception:  # a missed beat is retried; the job itself goes on
            log.warning("heartbeat of job %s failed", job_id, exc_info=True)


def run_job(rt: Runtime, job_id: str, kind: str, payload: dict[str, Any], worker: str) -> str:
    policy = QueuePolicy.from_settings(rt.settings)
    handler = HANDLERS.get(kind)
    error: str | None = None
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(rt.db, job_id, worker, policy.lease_s / 3, stop), daemon=True
    )
    beat.start()
    try:
        if handler is None:
            raise PipelineError(f"no handler for job kind {kind!r}", code="E640")
        result = handler(rt, payload)
        log.info("job %s %s done: %s", kind, job_id, result)
    except Exception as exc:  # a job never kills its worker; the error is kept on the job
        log.exception("job %s %s failed", kind, job_id)
        error = f"{type(exc).__name__}: {exc}"
    finally:
        stop.set()
        beat.join()
    return finish(rt.db, job_id, worker, error, policy)


def run_due(
    rt: Runtime, worker: str | None = None, limit: int = 10, kinds: Iterable[str] | None = None
) -> list[tuple[str, str]]:
    """Recover orphans, then run the due jobs one by one; returns (job id, status) pairs."""
    worker = worker or worker_name()
    recover_stale(rt.db, QueuePolicy.from_settings(rt.settings))
    done = []
    for job_id, kind, payload in claim(rt.db, worker, kinds, limit):
        done.append((job_id, run_job(rt, job_id, kind, payload, worker)))
    return done


def work(
    rt: Runtime,
    stop: threading.Event,
    worker: str | None = None,
    poll_s: float = 1.0,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Loop until ``stop`` is set: run due jobs, and sleep ``poll_s`` when there were none."""
    worker = worker or worker_name()
    while not stop.is_set():
        if on_tick is not None:
            on_tick()
        if not run_due(rt, worker, limit=1):
            stop.wait(poll_s)


def counts(db: Database) -> dict[str, int]:
    from sqlalchemy import func

    with db.session() as session:
        rows = session.execute(select(JobRecord.status, func.count()).group_by(JobRecord.status))
        return {status: int(n) for status, n in rows}


def start_in_process(
    rt: Runtime, poll_s: float = 2.0, on_tick: Callable[[], None] | None = None
) -> tuple[threading.Thread, threading.Event]:
    """The default single worker inside the serving process; set the event to stop it."""
    load_default_handlers()
    stop = threading.Event()
    thread = threading.Thread(
        target=work,
        args=(rt, stop),
        kwargs={"poll_s": poll_s, "on_tick": on_tick, "worker": f"serve:{worker_name()}"},
        name="narcowatch-worker",
        daemon=True,
    )
    thread.start()
    return thread, stop

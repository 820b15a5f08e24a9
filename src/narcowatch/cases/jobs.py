"""Background work of the cases area on the shared job table (JobRecord).

Kinds: ``cases.capture`` (capture a target), ``cases.capture_run`` (do the missing steps of
an evidence record the web UI created: a capture takes seconds of Chromium time, so it never
runs inside a request), ``cases.recheck`` (re-check every blocked
target, then look for mirrors; re-enqueues itself when ``every_s`` is set). ``run_due_jobs``
is the simple runner until the monitoring area's worker takes over: it claims due jobs
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two runners never take the same job),
runs them outside the claim transaction and retries failures with back-off.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.cases.capture import audit_retry, capture_evidence, run_capture, start_capture
from narcowatch.cases.cases import attach
from narcowatch.cases.manifest import canonical_json
from narcowatch.cases.mirrors import flag_mirrors
from narcowatch.cases.rechecks import run_rechecks
from narcowatch.errors import CaseError
from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables import JobRecord

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def _recheck(rt: Runtime, payload: dict[str, Any]) -> dict[str, Any]:
    totals: dict[str, Any] = dict(run_rechecks(rt, concurrency=payload.get("concurrency")))
    with rt.db.session() as session:
        totals["mirrors"] = len(flag_mirrors(session))
        if payload.get("every_s"):
            later = datetime.now(UTC) + timedelta(seconds=int(payload["every_s"]))
            enqueue(session, "cases.recheck", payload, run_after=later)
    return totals


def _capture(rt: Runtime, payload: dict[str, Any]) -> dict[str, Any]:
    ev = capture_evidence(rt, payload["target"], payload["actor"], payload.get("case_id"))
    if ev.status == "failed":
        raise CaseError(f"capture failed: {ev.error}", code="E913")
    return {"evidence": ev.id, "status": ev.status}


def _capture_run(rt: Runtime, payload: dict[str, Any]) -> dict[str, Any]:
    ev = run_capture(rt, payload["evidence_id"], payload["actor"])
    if ev.status != "captured":  # retried with back-off; only the missing steps run again
        raise CaseError(f"capture {ev.status}: {ev.error}", code="E913")
    return {"evidence": ev.id, "status": ev.status}


HANDLERS: dict[str, Callable[[Runtime, dict[str, Any]], dict[str, Any]]] = {
    "cases.recheck": _recheck,
    "cases.capture": _capture,
    "cases.capture_run": _capture_run,
}


def request_capture(rt: Runtime, target: str, actor: str, case_id: str | None = None) -> str:
    """Create the pending evidence, attach it to the case and queue its capture; its id."""
    ev = start_capture(rt, target, actor, case_id)
    with rt.db.session() as session:
        if case_id:
            attach(session, case_id, "evidence", ev.id, actor)
        enqueue(session, "cases.capture_run", {"evidence_id": ev.id, "actor": actor})
    return ev.id


def request_retry(rt: Runtime, evidence_id: str, actor: str) -> None:
    """Queue the missing steps of a failed or partial capture again (audited)."""
    with rt.db.session() as session:
        audit_retry(session, evidence_id, actor)
        enqueue(session, "cases.capture_run", {"evidence_id": evidence_id, "actor": actor})


def capture_job(session: Session, evidence_id: str) -> JobRecord | None:
    """The newest unfinished capture job of an evidence record, if any (for its page)."""
    jobs = session.scalars(
        select(JobRecord)
        .where(JobRecord.kind == "cases.capture_run", JobRecord.status != "done")
        .order_by(JobRecord.created_at.desc())
    )
    return next((j for j in jobs if j.payload.get("evidence_id") == evidence_id), None)


def enqueue(
    session: Session, kind: str, payload: dict[str, Any], run_after: datetime | None = None
) -> JobRecord:
    if kind not in HANDLERS:
        raise CaseError(f"unknown job kind {kind!r}", code="E960")
    when = run_after or datetime.now(UTC)
    job_id = make_id("job", kind, canonical_json(payload).decode(), when.isoformat())
    job = session.get(JobRecord, job_id)
    if job is None:
        job = JobRecord(id=job_id, kind=kind, payload=payload, status="queued", run_after=when)
        session.add(job)
        session.flush()
    return job


def _claim(rt: Runtime, now: datetime, worker: str, limit: int) -> list[tuple[str, str, dict]]:
    with rt.db.session() as session:
        query = (
            select(JobRecord)
            .where(
                JobRecord.status == "queued",
                JobRecord.kind.in_(HANDLERS),
                JobRecord.run_after <= now,
            )
            .order_by(JobRecord.run_after)
            .limit(limit)
        )
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for job in session.scalars(query):
            job.status, job.locked_by, job.locked_at = "running", worker, now
            job.attempts += 1
            claimed.append((job.id, job.kind, dict(job.payload)))
        return claimed


def _finish(rt: Runtime, job_id: str, error: str | None) -> str:
    with rt.db.session() as session:
        job = session.get(JobRecord, job_id)
        assert job is not None
        now = datetime.now(UTC)
        job.locked_by = job.locked_at = None
        if error is None:
            job.status, job.finished_at, job.last_error = "done", now, None
        elif job.attempts < MAX_ATTEMPTS:
            job.status, job.last_error = "queued", error
            job.run_after = now + timedelta(seconds=60 * 2**job.attempts)
        else:
            job.status, job.finished_at, job.last_error = "failed", now, error
        return job.status


def run_due_jobs(
    rt: Runtime, *, now: datetime | None = None, worker: str | None = None, limit: int = 10
) -> list[tuple[str, str]]:
    """Run the cases jobs that are due; returns (job id, resulting status) pairs."""
    worker = worker or f"cases@{socket.gethostname()}"
    done = []
    for job_id, kind, payload in _claim(rt, now or datetime.now(UTC), worker, limit):
        try:
            result = HANDLERS[kind](rt, payload)
            log.info("job %s %s: %s", kind, job_id, result)
            error = None
        except Exception as exc:  # a job must never kill the runner; the error is kept
            log.exception("job %s %s failed", kind, job_id)
            error = f"{type(exc).__name__}: {exc}"
        done.append((job_id, _finish(rt, job_id, error)))
    return done

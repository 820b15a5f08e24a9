"""Monitoring pages: sources with their health, candidates awaiting an analyst, duplicate
groups; "crawl now"; and ``/metrics`` for Prometheus (bearer token, or loopback only)."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from narcowatch.errors import IngestError
from narcowatch.ingest.discovery import decide
from narcowatch.pipeline import jobs
from narcowatch.pipeline.metrics import render_metrics
from narcowatch.pipeline.scheduler import crawl_now
from narcowatch.security import audit
from narcowatch.store.tables import SourceRecord
from narcowatch.store.tables_monitoring import CandidateSourceRecord, DuplicateGroupRecord
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

router = APIRouter()
NAV = [NavItem(label="monitor.nav", href="/monitor", role="analyst", order=40)]
PUBLIC_PATHS = ("/metrics",)


def _source_row(src: SourceRecord) -> dict[str, Any]:
    health = dict((src.cursor or {}).get("health") or {})
    last = health.pop("last_run", None)
    return {
        "src": src,
        "problems": {k: v for k, v in health.items() if isinstance(v, int)},
        "last_run": last,
    }


@router.get("/monitor")
def monitor_page(
    request: Request, user: CurrentUser = Depends(require_role("analyst"))
) -> Response:
    rt = request.app.state.runtime
    with rt.db.session(readonly=True) as session:
        sources = [
            _source_row(s)
            for s in session.scalars(
                select(SourceRecord).order_by(SourceRecord.kind, SourceRecord.name)
            )
        ]
        candidates = session.scalars(
            select(CandidateSourceRecord)
            .where(CandidateSourceRecord.status == "new")
            .order_by(CandidateSourceRecord.mentions.desc(), CandidateSourceRecord.first_seen)
            .limit(200)
        ).all()
        groups = session.scalars(
            select(DuplicateGroupRecord).order_by(DuplicateGroupRecord.size.desc()).limit(50)
        ).all()
        session.expunge_all()
    return render(
        request,
        "monitor/index.html",
        {
            "sources": sources,
            "candidates": candidates,
            "groups": groups,
            "jobs": jobs.counts(rt.db),
        },
    )


@router.post("/monitor/sources/{source_id}/crawl")
def monitor_crawl(
    request: Request, source_id: str, user: CurrentUser = Depends(require_role("analyst"))
) -> Response:
    rt = request.app.state.runtime
    with rt.db.session() as session:
        if session.get(SourceRecord, source_id) is None:
            raise HTTPException(status_code=404, detail="errors.not_found")
        audit.record(
            session,
            actor=user.username,
            action="monitor.crawl",
            target_type="source",
            target_id=source_id,
        )
    crawl_now(rt, source_id)
    return RedirectResponse("/monitor", status_code=303)


@router.post("/monitor/candidates/{cand_id}")
def monitor_decide(
    request: Request,
    cand_id: str,
    decision: str = Form(..., pattern="^(approve|reject)$"),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    rt = request.app.state.runtime
    try:
        with rt.db.session() as session:
            cand = decide(session, rt.settings, cand_id, decision == "approve", user.username)
            audit.record(
                session,
                actor=user.username,
                action=f"monitor.candidate.{decision}",
                target_type="candidate",
                target_id=cand_id,
                details={"kind": cand.kind, "name": cand.name, "source": cand.source_id},
            )
    except IngestError as exc:
        raise HTTPException(
            status_code=400 if exc.code == "E151" else 404, detail=exc.message
        ) from exc
    return RedirectResponse("/monitor", status_code=303)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    rt = request.app.state.runtime
    token = rt.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status_code=401, detail="errors.forbidden")
    elif (request.client.host if request.client else "") not in ("127.0.0.1", "::1", "testclient"):
        raise HTTPException(status_code=403, detail="errors.forbidden")
    return Response(render_metrics(rt), media_type="text/plain; version=0.0.4; charset=utf-8")

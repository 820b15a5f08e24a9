"""The review queue and the detection detail page with its verdict buttons.

Pages that only read use read-only sessions: on SQLite a write session takes the write
lock up front, and an analyst paging through the queue would contend with the worker.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from narcowatch.cases import review
from narcowatch.errors import CaseError
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.highlight import group_reasons, segments
from narcowatch.web.templating import NavItem

router = APIRouter(prefix="/review")
NAV = [NavItem(label="nav.queue", href="/review", role="analyst", order=10)]


def _filters(source: str, lang: str, status: str, sort: str) -> review.QueueFilters:
    try:
        return review.QueueFilters(source=source, lang=lang, status=status, sort=sort)
    except CaseError as exc:
        raise HTTPException(status_code=400, detail="errors.bad_request") from exc


def _query(filters: review.QueueFilters, **extra: object) -> str:
    params = {**filters.as_query(), **{k: v for k, v in extra.items() if v}}
    return ("?" + urlencode(params)) if params else ""


@router.get("")
def queue(
    request: Request,
    source: str = Query("", max_length=64),
    lang: str = Query("", max_length=10),
    status: str = Query("new", max_length=20),
    sort: str = Query("score", max_length=20),
    page: int = Query(1, ge=1, le=100_000),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    filters = _filters(source, lang, status, sort)
    with request.app.state.runtime.db.session(readonly=True) as session:
        result = review.list_queue(session, filters, page=page)
        counts = review.status_counts(session, filters)
        sources = review.queue_sources(session)
        langs = review.queue_langs(session)
    return render(
        request,
        "review/queue.html",
        {
            "result": result,
            "filters": filters,
            "sources": sources,
            "langs": langs,
            "statuses": review.STATUSES,
            "counts": counts,
            "sorts": review.SORTS,
            "query": _query(filters),
            "page_query": lambda n: _query(filters, page=n),
        },
    )


@router.get("/{detection_id}")
def detail(
    request: Request,
    detection_id: str,
    source: str = Query("", max_length=64),
    lang: str = Query("", max_length=10),
    status: str = Query("new", max_length=20),
    sort: str = Query("score", max_length=20),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    filters = _filters(source, lang, status, sort)
    with request.app.state.runtime.db.session(readonly=True) as session:
        try:
            info = review.get_detail(session, detection_id)
        except CaseError as exc:
            raise HTTPException(status_code=404, detail="errors.not_found") from exc
        prev_id, next_id = review.neighbours(session, detection_id, filters)
    return render(
        request,
        "review/detail.html",
        {
            "info": info,
            "segments": segments(info.item.text or "", info.reasons, info.indicators),
            "reason_groups": group_reasons(info.item.text or "", info.reasons),
            "filters": filters,
            "query": _query(filters),
            "prev_id": prev_id,
            "next_id": next_id,
            "may_review": review.may_review(user.role, info.det.status),
        },
    )


@router.post("/{detection_id}/verdict")
def verdict(
    request: Request,
    detection_id: str,
    verdict: str = Form(..., max_length=20),
    source: str = Form("", max_length=64),
    lang: str = Form("", max_length=10),
    status: str = Form("new", max_length=20),
    sort: str = Form("score", max_length=20),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    filters = _filters(source, lang, status, sort)
    with request.app.state.runtime.db.session() as session:
        try:
            review.set_verdict(session, detection_id, verdict, user.username, role=user.role)
        except CaseError as exc:
            code = {"E951": 404, "E953": 403}.get(exc.code, 400)
            detail = {404: "errors.not_found", 403: "errors.forbidden"}.get(code)
            raise HTTPException(status_code=code, detail=detail or "errors.bad_request") from exc
    with request.app.state.runtime.db.session(readonly=True) as session:
        _, next_id = review.neighbours(session, detection_id, filters)
    target = f"/review/{next_id}" if next_id else "/review"
    return RedirectResponse(target + _query(filters), status_code=303)

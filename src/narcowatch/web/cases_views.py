"""Case pages: list and detail, evidence capture and custody, blocking requests, figures.

Thin views over ``narcowatch.cases``: every write is a domain call in one transaction, so
the audit log and the custody chain are kept exactly as from the CLI. Analysts work cases
and capture evidence; supervisors send and close blocking requests and export packages.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.cases import blocking, letter
from narcowatch.cases import cases as ops
from narcowatch.cases.custody import append_custody, custody_entries, verify_custody
from narcowatch.cases.jobs import capture_job, request_capture, request_retry
from narcowatch.cases.package import export_package
from narcowatch.cases.stats import block_report
from narcowatch.errors import CaseError
from narcowatch.runtime import Runtime
from narcowatch.store.tables import BlockingRequestRecord, EvidenceRecord, ItemRecord
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

router = APIRouter()
NAV = [
    NavItem(label="cases.nav", href="/cases", role="analyst", order=30),
    NavItem(label="cases.nav_requests", href="/blocking", role="analyst", order=31),
]
EXPORTS = {"xlsx": letter.export_xlsx, "csv": letter.export_csv, "pdf": letter.export_letter_pdf}
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


def _back(path: str, error: CaseError | None = None) -> RedirectResponse:
    suffix = f"?error={quote(f'{error.code}: {error.message}')}" if error else ""
    return RedirectResponse(path + suffix, status_code=303)


def _rt(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/cases")
def case_list(
    request: Request,
    status: str = Query("", max_length=30),
    error: str = Query("", max_length=500),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    with _rt(request).db.session(readonly=True) as s:
        rows = ops.list_cases(s, status=status or None)
    context = {"cases": rows, "states": ops.STATES, "status": status, "error": error}
    return render(request, "cases/list.html", context)


@router.post("/cases")
def case_create(
    request: Request,
    title: str = Form(..., max_length=300),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    try:
        with _rt(request).db.session() as s:
            case = ops.create_case(s, title=title, actor=user.username)
    except CaseError as exc:
        return _back("/cases", exc)
    return _back(f"/cases/{case.id}")


@router.post("/cases/from/{kind}/{ref_id}")
def case_from(
    request: Request,
    kind: str,
    ref_id: str,
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    """Open (or reopen) the case of a reviewed detection or of a shop profile."""
    if kind not in ("detection", "shop"):
        raise HTTPException(status_code=404, detail="errors.not_found")
    try:
        with _rt(request).db.session() as s:
            if kind == "shop":
                case = ops.case_from_shop(s, ref_id, user.username)
            else:
                case = ops.case_from_detections(s, [ref_id], user.username)
    except CaseError as exc:
        return _back("/cases", exc)
    return _back(f"/cases/{case.id}")


@router.get("/cases/{case_id}")
def case_detail(
    request: Request,
    case_id: str,
    error: str = Query("", max_length=500),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    with _rt(request).db.session(readonly=True) as s:
        try:
            case = ops.get_case(s, case_id)
        except CaseError as exc:
            raise HTTPException(status_code=404, detail="errors.not_found") from exc
        evidence = list(
            s.scalars(
                select(EvidenceRecord)
                .where(EvidenceRecord.case_id == case_id)
                .order_by(EvidenceRecord.created_at.desc())
            )
        )
        requests = list(
            s.scalars(select(BlockingRequestRecord).where(BlockingRequestRecord.case_id == case_id))
        )
        links = ops.case_links(s, case_id)
        labels = ops.link_labels(s, links)
        late = {r.id for r in blocking.overdue_requests(s)}
    template = letter.load_template(_rt(request).settings)
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "links": links,
            "labels": labels,
            "evidence": evidence,
            "requests": requests,
            "overdue": late,
            "moves": sorted(ops.TRANSITIONS[case.status]),
            "grounds": template["legal_grounds"],
            "categories": template["categories"],
            "error": error,
        },
    )


@router.post("/cases/{case_id}/{action}")
def case_action(
    request: Request,
    case_id: str,
    action: str,
    value: str = Form("", max_length=5000),
    ref_type: str = Form("", max_length=20),
    category: str = Form("", max_length=60),
    ground: str = Form("", max_length=60),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    rt, who = _rt(request), user.username
    try:
        if action == "capture":  # queued: a worker runs Chromium, not this request
            with rt.db.session(readonly=True) as s:
                ops.get_case(s, case_id)
            return _back(f"/evidence/{request_capture(rt, value, who, case_id)}")
        with rt.db.session() as s:
            if action == "status":
                ops.set_status(s, case_id, value, who)
            elif action == "assign":
                ops.assign(s, case_id, value.strip() or None, who)
            elif action == "note":
                ops.add_note(s, case_id, value, who)
            elif action == "attach":
                ops.attach(s, case_id, ref_type, value.strip(), who)
            elif action == "request":
                items = [lk.ref_id for lk in ops.case_links(s, case_id, "item")]
                shops = [lk.ref_id for lk in ops.case_links(s, case_id, "shop")]
                targets = blocking.targets_from_items(
                    s, [i for i in items if _has_url(s, i)], category, ground
                ) + blocking.targets_from_shops(s, shops, category, ground)
                req = blocking.create_request(s, rt.settings, targets, who, case_id)
                return _back(f"/blocking/{req.id}")
            else:
                raise HTTPException(status_code=404, detail="errors.not_found")
    except CaseError as exc:
        return _back(f"/cases/{case_id}", exc)
    return _back(f"/cases/{case_id}")


def _has_url(session: Session, item_id: str) -> bool:
    item = session.get(ItemRecord, item_id)
    return bool(item and item.url)


@router.get("/evidence/{evidence_id}")
def evidence_detail(
    request: Request,
    evidence_id: str,
    error: str = Query("", max_length=500),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    with _rt(request).db.session() as s:
        ev = s.get(EvidenceRecord, evidence_id)
        if ev is None:
            raise HTTPException(status_code=404, detail="errors.not_found")
        if ev.artefacts:  # a pending record holds nothing yet to have been viewed
            append_custody(s, ev.id, "viewed", user.username, {"via": "web"})
        chain = custody_entries(s, ev.id)
        problems = verify_custody(s, ev.id)
        job = capture_job(s, ev.id) if ev.status != "captured" else None
    return render(
        request,
        "cases/evidence.html",
        {"ev": ev, "chain": chain, "problems": problems, "error": error, "job": job},
    )


@router.get("/evidence/{evidence_id}/artefact/{name}")
def evidence_artefact(
    request: Request,
    evidence_id: str,
    name: str,
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    rt = _rt(request)
    with rt.db.session() as s:
        ev = s.get(EvidenceRecord, evidence_id)
        if ev is None or name not in ev.artefacts:
            raise HTTPException(status_code=404, detail="errors.not_found")
        meta = ev.artefacts[name]
        append_custody(s, ev.id, "viewed", user.username, {"artefact": name, "via": "web"})
    data = rt.blobs.get(meta["blob"])
    # Captured pages are hostile content: always a download, never rendered on our origin.
    headers = {"Content-Disposition": f'attachment; filename="{quote(name)}"'}
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.post("/evidence/{evidence_id}/retry")
def evidence_retry(
    request: Request, evidence_id: str, user: CurrentUser = Depends(require_role("analyst"))
) -> Response:
    try:
        request_retry(_rt(request), evidence_id, user.username)
    except CaseError as exc:
        return _back(f"/evidence/{evidence_id}", exc)
    return _back(f"/evidence/{evidence_id}")


@router.post("/evidence/{evidence_id}/package")
def evidence_package(
    request: Request,
    evidence_id: str,
    handed_to: str = Form("", max_length=200),
    user: CurrentUser = Depends(require_role("supervisor")),
) -> Response:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = export_package(
                _rt(request), [evidence_id], user.username, Path(tmp), handed_to=handed_to or None
            )
        except CaseError as exc:
            return _back(f"/evidence/{evidence_id}", exc)
        data, name = path.read_bytes(), path.name
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type="application/zip", headers=headers)


@router.get("/blocking")
def request_list(
    request: Request, user: CurrentUser = Depends(require_role("analyst"))
) -> Response:
    with _rt(request).db.session(readonly=True) as s:
        rows = blocking.list_requests(s)
        late = {r.id for r in blocking.overdue_requests(s)}
        figures = block_report(s)
    return render(
        request, "cases/requests.html", {"requests": rows, "overdue": late, "report": figures}
    )


@router.get("/blocking/{request_id}")
def request_detail(
    request: Request,
    request_id: str,
    error: str = Query("", max_length=500),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    with _rt(request).db.session(readonly=True) as s:
        try:
            req = blocking.get_request(s, request_id)
        except CaseError as exc:
            raise HTTPException(status_code=404, detail="errors.not_found") from exc
        late = req.id in {r.id for r in blocking.overdue_requests(s)}
    return render(
        request,
        "cases/request.html",
        {
            "req": req,
            "overdue": late,
            "moves": sorted(blocking.MOVES[req.status]),
            "number": letter.request_number(req),
            "error": error,
        },
    )


@router.post("/blocking/{request_id}/status")
def request_status(
    request: Request,
    request_id: str,
    status: str = Form(..., max_length=20),
    comment: str = Form("", max_length=1000),
    user: CurrentUser = Depends(require_role("supervisor")),
) -> Response:
    rt = _rt(request)
    try:
        with rt.db.session() as s:
            blocking.set_request_status(s, rt.settings, request_id, status, user.username, comment)
    except CaseError as exc:
        return _back(f"/blocking/{request_id}", exc)
    return _back(f"/blocking/{request_id}")


@router.get("/blocking/{request_id}/export.{fmt}")
def request_export(
    request: Request,
    request_id: str,
    fmt: str,
    lang: str = Query("ru", pattern="^(ru|kk|en)$"),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    if fmt not in EXPORTS:
        raise HTTPException(status_code=404, detail="errors.not_found")
    rt = _rt(request)
    with rt.db.session(readonly=True) as s:
        try:
            req = blocking.get_request(s, request_id)
        except CaseError as exc:
            raise HTTPException(status_code=404, detail="errors.not_found") from exc
        data = EXPORTS[fmt](req, rt.settings, lang)
        name = f"blocking-{letter.request_number(req)}-{lang}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type=MEDIA[fmt], headers=headers)

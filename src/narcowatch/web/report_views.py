"""Citizen reports on the web: the public anonymous form and status page, and the
analysts' list (with status actions), map (Leaflet) and statistics.

The form keeps no address: the client's IP only feeds an in-memory flood limit and the
HMAC pseudonym (``web`` channel) behind the daily limit. Photos go through the same
cleaning as the bot's. The submission token in the form makes a double submit one report.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from narcowatch.bot.limits import FloodLimiter
from narcowatch.ingest.reports import process_reports
from narcowatch.reports.errors import ReportError
from narcowatch.reports.images import MAX_IMAGE_BYTES, clean_image
from narcowatch.reports.kinds import KINDS, MAX_PHOTOS, REGIONS, STATUSES
from narcowatch.reports.pseudonyms import Pseudonymizer
from narcowatch.reports.stats import report_stats
from narcowatch.reports.status import report_history, set_status
from narcowatch.reports.submit import PhotoRef, ReportDraft, find_by_number, submit_report
from narcowatch.reports.tx import write_session
from narcowatch.store.tables import ReportRecord
from narcowatch.store.tables_reports import ReportLinkRecord
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem, request_lang

log = logging.getLogger(__name__)

router = APIRouter()
NAV = [NavItem(label="reports.nav", href="/reports", role="analyst", order=40)]
PUBLIC_PATHS = ("/report", "/report/status")
PER_PAGE = 100


def _pseudo(request: Request) -> Pseudonymizer:
    state = request.app.state
    if not hasattr(state, "report_pseudo"):
        state.report_pseudo = Pseudonymizer.from_settings(state.runtime.settings)
        state.report_flood = FloodLimiter(limit=10, window=600)
    return state.report_pseudo  # type: ignore[no-any-return]


def _form(
    request: Request,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "kinds": KINDS,
        "regions": REGIONS,
        "error": error,
        "values": values or {},
        "token": secrets.token_urlsafe(16),
        "max_photos": MAX_PHOTOS,
    }
    return render(request, "reports/form.html", context, status=status)


@router.get("/report")
def report_form(request: Request, c: str = Query("", max_length=60)) -> Response:
    return _form(request, values={"campaign": c})


def _float(value: str) -> float | None:
    try:
        return float(value.replace(",", ".")) if value.strip() else None
    except ValueError:
        return float("nan")  # refused by validation with a clear code


@router.post("/report")
async def report_submit(
    request: Request,
    background: BackgroundTasks,
    kind: str = Form(""),
    text: str = Form("", max_length=20_000),
    links: str = Form("", max_length=5_000),
    lat: str = Form("", max_length=30),
    lon: str = Form("", max_length=30),
    region: str = Form("", max_length=60),
    campaign: str = Form("", max_length=60),
    gps: bool = Form(False),
    token: str = Form("", max_length=64),
    photos: list[UploadFile] = File(default_factory=list),
) -> Response:
    pseudo = _pseudo(request)
    client = pseudo("web-ip", request.client.host if request.client else "-")
    values = {
        "kind": kind,
        "text": text,
        "links": links,
        "lat": lat,
        "lon": lon,
        "region": region,
        "campaign": campaign,
    }
    if request.app.state.report_flood.hit(client) != "ok":
        return _form(request, "reports.error.E174", values, status=429)
    rt = request.app.state.runtime
    refs: list[PhotoRef] = []
    place = None
    try:
        for upload in [p for p in photos if p.filename][:MAX_PHOTOS]:
            clean = clean_image(await upload.read(MAX_IMAGE_BYTES + 1), keep_gps=gps)
            refs.append(
                PhotoRef(rt.blobs.put(clean.data), clean.content_type, clean.gps is not None)
            )
            place = place or clean.gps
        lat_f, lon_f = _float(lat), _float(lon)
        if lat_f is None and lon_f is None and place is not None:
            lat_f, lon_f = place
        draft = ReportDraft(
            channel="web",
            pseudonym=client,
            token=token or secrets.token_hex(8),
            kind=kind,
            text=text.strip(),
            links=[x for x in links.splitlines() if x.strip()],
            photos=refs,
            lat=lat_f,
            lon=lon_f,
            campaign=campaign or None,
            region=region or None,
            lang=request_lang(request),
        )
        if lat_f is not None and lat_f != lat_f:  # NaN: unreadable coordinates
            raise ReportError("coordinates", code="E176")
        try:
            with write_session(rt.db) as session:
                report, _ = submit_report(session, draft)
                number, rid = report.number, report.id
        except IntegrityError:  # the same token submitted twice at once: the first won
            with rt.db.session() as session:
                report, _ = submit_report(session, draft)
                number, rid = report.number, report.id
    except ReportError as exc:
        return _form(request, f"reports.error.{exc.code}", values, status=400)
    if rt.db.engine.dialect.name != "sqlite":
        # On SQLite a pipeline round here would hold the one write lock while analysts
        # work; there the bot's pipeline task (or `narcowatch bot process`) picks it up.
        background.add_task(_process, rt)
    code = pseudo.token("status", rid)
    return RedirectResponse(f"/report/status?number={number}&code={code}&new=1", status_code=303)


def _process(rt: Any) -> None:
    try:
        process_reports(rt, limit=200)
    except Exception:  # the report is stored; the next round picks it up
        log.exception("processing web reports failed")


@router.get("/report/status")
def report_status(
    request: Request,
    number: str = Query("", max_length=20),
    code: str = Query("", max_length=20),
    new: int = Query(0),
) -> Response:
    report, history = None, []
    if number and code:
        with request.app.state.runtime.db.session(readonly=True) as session:
            found = find_by_number(session, number)
            if found is not None and secrets.compare_digest(
                _pseudo(request).token("status", found.id), code.strip().upper()
            ):
                report, history = found, report_history(session, found.id)
    context = {
        "report": report,
        "history": history,
        "number": number,
        "code": code,
        "new": bool(new),
        "asked": bool(number and code),
    }
    return render(request, "reports/status.html", context, status=200)


@router.get("/reports")
def reports_list(
    request: Request,
    kind: str = Query("", max_length=20),
    status: str = Query("", max_length=20),
    campaign: str = Query("", max_length=60),
    region: str = Query("", max_length=60),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    query = select(ReportRecord).order_by(ReportRecord.created_at.desc()).limit(PER_PAGE)
    for column, value in (
        (ReportRecord.kind, kind),
        (ReportRecord.status, status),
        (ReportRecord.campaign, campaign),
        (ReportRecord.region, region),
    ):
        if value:
            query = query.where(column == value)
    with request.app.state.runtime.db.session(readonly=True) as session:
        reports = list(session.scalars(query))
        links = list(
            session.scalars(
                select(ReportLinkRecord).order_by(ReportLinkRecord.count.desc()).limit(20)
            )
        )
    filters = {"kind": kind, "status": status, "campaign": campaign, "region": region}
    return render(
        request,
        "reports/list.html",
        {
            "reports": reports,
            "links": links,
            "filters": filters,
            "kinds": KINDS,
            "statuses": STATUSES,
            "regions": REGIONS,
        },
    )


@router.post("/reports/{report_id}/status")
def reports_set_status(
    request: Request,
    report_id: str,
    status: str = Form(..., max_length=20),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    with write_session(request.app.state.runtime.db) as session:
        report = session.get(ReportRecord, report_id)
        if report is None:
            return JSONResponse({"error": "no such report"}, status_code=404)
        try:
            set_status(session, report, status, actor=user.username)
        except ReportError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
    return RedirectResponse("/reports", status_code=303)


@router.get("/reports/map")
def reports_map(request: Request, user: CurrentUser = Depends(require_role("analyst"))) -> Response:
    return render(request, "reports/map.html", {})


@router.get("/reports/map.json")
def reports_map_data(
    request: Request, user: CurrentUser = Depends(require_role("analyst"))
) -> JSONResponse:
    with request.app.state.runtime.db.session(readonly=True) as session:
        rows = session.execute(
            select(
                ReportRecord.number,
                ReportRecord.kind,
                ReportRecord.status,
                ReportRecord.lat,
                ReportRecord.lon,
                ReportRecord.created_at,
            )
            .where(ReportRecord.lat.is_not(None))
            .limit(5000)
        ).all()
    return JSONResponse(
        [
            {
                "number": r.number,
                "kind": r.kind,
                "status": r.status,
                "lat": r.lat,
                "lon": r.lon,
                "at": r.created_at.isoformat(),
            }
            for r in rows
        ]
    )


@router.get("/reports/stats")
def reports_stats(
    request: Request, user: CurrentUser = Depends(require_role("analyst"))
) -> Response:
    with request.app.state.runtime.db.session(readonly=True) as session:
        stats = report_stats(session).to_dict()
    return render(request, "reports/stats.html", {"stats": stats})

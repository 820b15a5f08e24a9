"""The trace pages: run a trace, see the flow graph (Cytoscape.js), a Sankey-style summary
of amounts to cash-out points, the paths, download the case-file report, tag addresses."""

from __future__ import annotations

import tempfile
from decimal import Decimal, InvalidOperation
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from narcowatch.errors import TraceError
from narcowatch.trace import service
from narcowatch.trace.addresses import guess_chain
from narcowatch.trace.plan import MODELS, TracePlan
from narcowatch.trace.report import write_report
from narcowatch.trace.runs import list_runs, load_run, save_run
from narcowatch.trace.sankey import sankey_bands
from narcowatch.trace.tags import CATEGORIES, add_tag
from narcowatch.web import trace_requisites
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

router = APIRouter(prefix="/trace")
# the requisites pages are registered with the trace pages (no change to the app's module list)
router.include_router(trace_requisites.router, prefix="/requisites")
NAV = [NavItem(label="trace.title", href="/trace", role="analyst", order=60), *trace_requisites.NAV]
MAX_SEEDS = 50


def _index(
    request: Request, *, error: str = "", form: dict[str, str] | None = None, status: int = 200
) -> Response:
    runs = list_runs(request.app.state.runtime, 30)
    return render(
        request,
        "trace/index.html",
        {
            "runs": runs,
            "error": error,
            "form": form or {},
            "models": MODELS,
            "categories": CATEGORIES,
        },
        status=status,
    )


@router.get("")
def trace_index(request: Request, user: CurrentUser = Depends(require_role("analyst"))) -> Response:
    return _index(request)


@router.post("")
def trace_run(
    request: Request,
    seeds: str = Form(..., max_length=5000),
    model: str = Form("poison"),
    direction: str = Form("forward"),
    hops: int = Form(4, ge=1, le=10),
    min_amount: str = Form("0", max_length=40),
    case_id: str = Form("", max_length=32),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    form = {
        "seeds": seeds,
        "model": model,
        "direction": direction,
        "hops": str(hops),
        "min_amount": min_amount,
        "case_id": case_id,
    }
    wanted = [s.strip() for s in seeds.replace(",", "\n").splitlines() if s.strip()][:MAX_SEEDS]
    rt = request.app.state.runtime
    try:
        if not wanted:
            raise TraceError("give at least one seed address", code="E832")
        plan = TracePlan(
            chain=guess_chain(wanted[0]),
            seeds=tuple(wanted),
            model=model,
            direction=direction,
            max_hops=hops,
            min_amount=Decimal(min_amount or "0"),
        )
        result = service.trace(rt, plan)
        rec = save_run(rt, result, actor=user.username, case_id=case_id.strip() or None)
    except InvalidOperation:
        return _index(request, error="E832: min amount is not a number", form=form, status=400)
    except TraceError as exc:
        return _index(request, error=f"{exc.code}: {exc.message}", form=form, status=400)
    return RedirectResponse(f"/trace/runs/{rec.id}", status_code=303)


@router.get("/runs/{run_id}")
def trace_page(
    run_id: str, request: Request, user: CurrentUser = Depends(require_role("analyst"))
) -> Response:
    try:
        rec, data = load_run(request.app.state.runtime, run_id)
    except TraceError:
        return render(
            request, "error.html", {"message": "errors.not_found", "status": 404}, status=404
        )
    graph = {
        "nodes": [
            {
                "data": {
                    "id": n["address"],
                    "label": _short(n),
                    "role": n["role"],
                    "received": n["received"],
                }
            }
            for n in data["nodes"]
        ],
        "edges": [
            {
                "data": {
                    "id": f"{e['tx_hash']}:{e['idx']}",
                    "source": e["from"],
                    "target": e["to"],
                    "taint": e["taint"],
                    "weight": float(Decimal(e["taint"])),
                }
            }
            for e in data["edges"][:3000]
        ],
    }
    return render(
        request,
        "trace/run.html",
        {
            "run": rec,
            "data": data,
            "graph": graph,
            "bands": sankey_bands(data),
            "tags": {n["address"]: n["tags"] for n in data["nodes"]},
            "categories": CATEGORIES,
        },
    )


def _short(node: dict[str, object]) -> str:
    tags = node.get("tags") or []
    name = str(node["address"])
    label = f"{name[:6]}…{name[-4:]}"
    return f"{label}\n{tags[0]['label']}" if tags else label  # type: ignore[index]


@router.get("/runs/{run_id}/report.{fmt}")
def trace_report(
    run_id: str, fmt: str, request: Request, user: CurrentUser = Depends(require_role("analyst"))
) -> Response:
    if fmt not in ("html", "pdf"):
        return render(
            request, "error.html", {"message": "errors.not_found", "status": 404}, status=404
        )
    try:
        rec, data = load_run(request.app.state.runtime, run_id)
    except TraceError:
        return render(
            request, "error.html", {"message": "errors.not_found", "status": 404}, status=404
        )
    lang = user.lang
    with tempfile.TemporaryDirectory() as tmp:
        path = write_report(Path(tmp) / f"trace-{rec.id}.{fmt}", rec.id, data, lang=lang)
        body = path.read_bytes()
    media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="trace-{rec.id}.{fmt}"'},
    )


@router.post("/tags")
def trace_tag(
    request: Request,
    address: str = Form(..., max_length=120),
    label: str = Form(..., max_length=300),
    category: str = Form(...),
    source: str = Form(..., max_length=300),
    confidence: int = Form(60, ge=0, le=100),
    back: str = Form("/trace", max_length=200),
    user: CurrentUser = Depends(require_role("analyst")),
) -> Response:
    rt = request.app.state.runtime
    try:
        with rt.db.session() as s:
            add_tag(
                s,
                chain=guess_chain(address),
                address=address,
                label=label,
                category=category,
                source=source,
                confidence=confidence,
                created_by=user.username,
            )
    except TraceError as exc:
        return _index(request, error=f"{exc.code}: {exc.message}", status=400)
    target = back if back.startswith("/trace") else "/trace"
    return RedirectResponse(target, status_code=303)

"""The audit log page (supervisors and admins) and its chain check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from narcowatch.security import audit
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

router = APIRouter(prefix="/audit")
NAV = [NavItem(label="nav.audit", href="/audit", role="supervisor", order=90)]
PER_PAGE = 50


@router.get("")
def audit_log(
    request: Request,
    page: int = Query(1, ge=1, le=1_000_000),
    actor: str = Query("", max_length=100),
    action: str = Query("", max_length=60),
    user: CurrentUser = Depends(require_role("supervisor")),
) -> Response:
    with request.app.state.runtime.db.session(readonly=True) as session:
        entries = audit.list_entries(
            session, page=page, per_page=PER_PAGE, actor=actor, action=action
        )
        head_seq, head_hash = audit.head(session)
    return render(
        request,
        "audit/list.html",
        {
            "entries": entries,
            "page": page,
            "has_next": len(entries) == PER_PAGE,
            "actor": actor,
            "action": action,
            "head_seq": head_seq,
            "head_hash": head_hash,
            "problems": None,
        },
    )


@router.get("/verify")
def audit_verify(
    request: Request, user: CurrentUser = Depends(require_role("supervisor"))
) -> Response:
    """The chain check; htmx swaps just the result panel, a plain request gets the page."""
    partial = request.headers.get("HX-Target") == "verify-result"
    with request.app.state.runtime.db.session(readonly=True) as session:
        problems = audit.verify(session)
        head_seq, head_hash = audit.head(session)
        entries = [] if partial else audit.list_entries(session, per_page=PER_PAGE)
    return render(
        request,
        "audit/verify.html" if partial else "audit/list.html",
        {
            "entries": entries,
            "page": 1,
            "has_next": len(entries) == PER_PAGE,
            "actor": "",
            "action": "",
            "head_seq": head_seq,
            "head_hash": head_hash,
            "problems": problems,
        },
    )

"""Account administration for admins: list, add, deactivate and reactivate users."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from narcowatch.errors import SecurityError
from narcowatch.i18n import LANGS
from narcowatch.security.roles import ROLES
from narcowatch.security.users import add_user, list_users, set_active
from narcowatch.store.tables import UserRecord
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

router = APIRouter(prefix="/admin/users")
NAV = [NavItem(label="nav.users", href="/admin/users", role="admin", order=95)]


def _page(request: Request, error: SecurityError | None = None, status: int = 200) -> Response:
    with request.app.state.runtime.db.session(readonly=True) as session:
        users = list_users(session)
    return render(
        request,
        "users/list.html",
        {"users": users, "roles": ROLES, "langs": LANGS, "error": error},
        status,
    )


@router.get("")
def users_page(request: Request, user: CurrentUser = Depends(require_role("admin"))) -> Response:
    return _page(request)


@router.post("")
def users_add(
    request: Request,
    username: str = Form(..., max_length=100),
    password: str = Form(..., max_length=1024),
    role: str = Form(...),
    lang: str = Form("ru"),
    user: CurrentUser = Depends(require_role("admin")),
) -> Response:
    try:
        with request.app.state.runtime.db.session() as session:
            add_user(session, username, password, role, lang, actor=user.username)
    except SecurityError as exc:
        return _page(request, exc, 400)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/{user_id}/active")
def users_active(
    request: Request,
    user_id: str,
    active: bool = Form(...),
    user: CurrentUser = Depends(require_role("admin")),
) -> Response:
    if user_id == user.id:
        raise HTTPException(status_code=400, detail="errors.bad_request")  # no self-lockout
    with request.app.state.runtime.db.session() as session:
        target = session.get(UserRecord, user_id)
        if target is None:
            raise HTTPException(status_code=404, detail="errors.not_found")
        set_active(session, target, active, actor=user.username)
    return RedirectResponse("/admin/users", status_code=303)

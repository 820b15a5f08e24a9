"""Login, logout and the language switcher."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from narcowatch.i18n import LANGS
from narcowatch.security import audit
from narcowatch.security.sessions import COOKIE_NAME, end_session, purge_expired, start_session
from narcowatch.security.users import authenticate, get_user, set_lang
from narcowatch.store.tables import UserRecord
from narcowatch.web.deps import CurrentUser, current_user, optional_user, render
from narcowatch.web.templating import LANG_COOKIE

router = APIRouter()
PUBLIC_PATHS = ("/login", "/lang")
HOME = "/review"


def safe_next(target: str | None) -> str:
    """Only local paths: ``next`` must never send a user to another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/")
def home(user: CurrentUser = Depends(current_user)) -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get("/login")
def login_page(
    request: Request, next: str = "", user: CurrentUser | None = Depends(optional_user)
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    username: str = Form(..., max_length=100),
    password: str = Form(..., max_length=1024),
    next: str = Form(""),
) -> Response:
    rt = request.app.state.runtime
    throttle = request.app.state.throttle
    keys = (f"user:{username.strip().lower()}", f"ip:{_client(request)}")
    context = {"next": safe_next(next), "username": username}
    if throttle.blocked(*keys):
        return render(request, "login.html", {**context, "error": "login.throttled"}, 429)
    with rt.db.session() as session:
        user = authenticate(session, username, password)
        if user is None:
            known = get_user(session, username.strip())
            if known is not None:
                audit.record(
                    session,
                    actor=known.username,
                    action="auth.login_failed",
                    target_type="user",
                    target_id=known.id,
                    details={"ip": _client(request)},
                )
        else:
            old = request.cookies.get(COOKIE_NAME)
            if old:  # never reuse a session id across a login (fixation)
                end_session(
                    session,
                    old,
                    key=request.app.state.secret_key,
                    max_age=rt.settings.session_max_age,
                )
            purge_expired(session)
            cookie = start_session(
                session, user, key=request.app.state.secret_key, max_age=rt.settings.session_max_age
            )
            audit.record(
                session,
                actor=user.username,
                action="auth.login",
                target_type="user",
                target_id=user.id,
                details={"ip": _client(request)},
            )
            lang = user.lang
    if user is None:
        throttle.fail(*keys)
        return render(request, "login.html", {**context, "error": "login.failed"}, 401)
    throttle.reset(keys[0])
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        cookie,
        max_age=rt.settings.session_max_age,
        httponly=True,
        samesite="lax",
        secure=rt.settings.cookie_secure,
        path="/",
    )
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.post("/logout")
def logout(request: Request, user: CurrentUser = Depends(current_user)) -> Response:
    rt = request.app.state.runtime
    with rt.db.session() as session:
        end_session(
            session,
            request.cookies.get(COOKIE_NAME, ""),
            key=request.app.state.secret_key,
            max_age=rt.settings.session_max_age,
        )
        audit.record(
            session,
            actor=user.username,
            action="auth.logout",
            target_type="user",
            target_id=user.id,
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.post("/lang")
def choose_lang(
    request: Request,
    lang: str = Form(...),
    next: str = Form(""),
    user: CurrentUser | None = Depends(optional_user),
) -> Response:
    if lang not in LANGS:
        lang = request.app.state.runtime.settings.default_lang
    if user is not None:
        with request.app.state.runtime.db.session() as session:
            record = session.get(UserRecord, user.id)
            if record is not None:
                set_lang(session, record, lang)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response

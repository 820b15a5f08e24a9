"""FastAPI dependencies every view uses: who is logged in, what they may do, CSRF.

``current_user`` redirects browsers to the login page (htmx gets ``HX-Redirect``);
``require_role("supervisor")`` answers 403 below that role; ``csrf_protect`` checks the
token of every state-changing request. ``create_app`` applies ``csrf_protect`` to every
router in ``WEB_MODULES``, so a view cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Depends, HTTPException, Request

from narcowatch.security import csrf
from narcowatch.security.roles import check_role, has_role
from narcowatch.security.sessions import COOKIE_NAME, load_session
from narcowatch.web.templating import CurrentUser, anonymous_csrf, render

__all__ = [
    "CurrentUser",
    "LoginRequired",
    "csrf_protect",
    "current_user",
    "optional_user",
    "render",
    "require_role",
]


class LoginRequired(Exception):
    """Raised when a page needs a logged-in user; the app turns it into a redirect."""


def optional_user(request: Request) -> CurrentUser | None:
    """The logged-in user, or None; cached on ``request.state`` for the request."""
    if hasattr(request.state, "user"):
        return request.state.user  # type: ignore[no-any-return]
    user = None
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        rt = request.app.state.runtime
        key, max_age = request.app.state.secret_key, rt.settings.session_max_age
        with rt.db.session(readonly=True) as session:  # no write lock per page view
            active = load_session(session, cookie, key=key, max_age=max_age, write=False)
            if active is not None:
                user = CurrentUser(
                    id=active.user.id,
                    username=active.user.username,
                    role=active.user.role,
                    lang=active.user.lang,
                    csrf_token=active.record.csrf_token,
                )
        if active is not None and active.stale:  # about once a minute: record the activity
            with rt.db.session() as session:
                load_session(session, cookie, key=key, max_age=max_age)
    request.state.user = user
    return user


def current_user(user: CurrentUser | None = Depends(optional_user)) -> CurrentUser:
    if user is None:
        raise LoginRequired()
    return user


def require_role(role: str) -> Callable[..., Coroutine[Any, Any, CurrentUser]]:
    """A dependency that returns the user when they hold ``role`` or above, else 403."""
    check_role(role)

    async def dependency(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if not has_role(user.role, role):
            raise HTTPException(status_code=403, detail="errors.forbidden")
        return user

    dependency.__name__ = f"require_{role}"
    return dependency


async def csrf_protect(request: Request, user: CurrentUser | None = Depends(optional_user)) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong."""
    if request.method in csrf.SAFE_METHODS:
        return
    expected: str | None
    if user is not None:
        expected = user.csrf_token
    else:
        key = request.app.state.secret_key
        expected = csrf.unsign_cookie(request.cookies.get(csrf.COOKIE_NAME), key)
        if expected is None:
            anonymous_csrf(request)  # so the error page hands out a fresh cookie
    if csrf.tokens_match(expected, request.headers.get(csrf.HEADER_NAME)):
        return  # htmx and API clients: the body is left alone
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it for the view
        value = form.get(csrf.FIELD_NAME)
        if csrf.tokens_match(expected, value if isinstance(value, str) else None):
            return
    raise HTTPException(status_code=403, detail="errors.csrf")

"""Jinja2 environment and ``render``: every page gets the user, language, ``t`` and CSRF token.

Autoescaping is on for every template; views never build HTML by string concatenation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from narcowatch.i18n import LANG_NAMES, LANGS, normalize_lang, t
from narcowatch.security import csrf
from narcowatch.security.roles import has_role

TEMPLATE_DIR = Path(__file__).parent / "templates"
LANG_COOKIE = "nw_lang"


@dataclass(frozen=True)
class NavItem:
    """A link in the top navigation: ``label`` is an i18n key, shown from ``role`` up."""

    label: str
    href: str
    role: str = "analyst"
    order: int = 100


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in user, detached from the database session that loaded it."""

    id: str
    username: str
    role: str
    lang: str
    csrf_token: str

    def has_role(self, role: str) -> bool:
        return has_role(self.role, role)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    templates.env.globals.update(LANGS=LANGS, LANG_NAMES=LANG_NAMES)
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


def request_lang(request: Request) -> str:
    """The user's language, else the language cookie, else the configured default."""
    user: CurrentUser | None = getattr(request.state, "user", None)
    default = request.app.state.runtime.settings.default_lang
    if user is not None:
        return normalize_lang(user.lang, default)
    return normalize_lang(request.cookies.get(LANG_COOKIE), default)


def anonymous_csrf(request: Request) -> str:
    """The anonymous double-submit token (created once per request and set as a cookie)."""
    token = getattr(request.state, "anon_csrf", None)
    if token is None:
        key = request.app.state.secret_key
        token = csrf.unsign_cookie(request.cookies.get(csrf.COOKIE_NAME), key) or csrf.new_token()
        request.state.anon_csrf = token
    return token


def render(
    request: Request, template_name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render ``template_name`` with the page context every template relies on."""
    user: CurrentUser | None = getattr(request.state, "user", None)
    lang = request_lang(request)
    token = user.csrf_token if user else anonymous_csrf(request)
    nav = [
        item
        for item in request.app.state.nav
        if user is not None and has_role(user.role, item.role)
    ]
    page = {
        "user": user,
        "lang": lang,
        "csrf_token": token,
        "nav": nav,
        "t": lambda key, **kw: t(key, lang, **kw),
        "path": request.url.path,
    }
    page.update(context or {})
    response = request.app.state.templates.TemplateResponse(
        request, template_name, page, status_code=status
    )
    if user is None:
        settings = request.app.state.runtime.settings
        response.set_cookie(
            csrf.COOKIE_NAME,
            csrf.sign_cookie(token, request.app.state.secret_key),
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )
    return response

"""The app factory: ``create_app(runtime)`` wires middleware, assets and every web module.

Feature areas add pages by appending ``narcowatch.web.<area>_views`` to ``WEB_MODULES``.
Such a module exposes ``router`` (an ``APIRouter``) and may expose ``NAV`` (a list of
``NavItem`` for the top navigation) and ``PUBLIC_PATHS`` (paths reachable without login;
a test checks that every other route refuses anonymous visitors). ``csrf_protect`` is
applied to every module's router here, so no state-changing route can forget it.
"""

from __future__ import annotations

import importlib
import logging
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from narcowatch.api.assets import mount_assets
from narcowatch.api.headers import SecurityHeaders
from narcowatch.runtime import Runtime
from narcowatch.security.keys import secret_key
from narcowatch.security.ratelimit import LoginThrottle
from narcowatch.web.deps import LoginRequired, csrf_protect, optional_user, render
from narcowatch.web.templating import NavItem, make_templates

log = logging.getLogger(__name__)

WEB_MODULES: list[str] = [
    "narcowatch.web.auth_views",
    "narcowatch.web.review_views",
    "narcowatch.web.audit_views",
    "narcowatch.web.users_views",
    "narcowatch.web.cases_views",
    "narcowatch.web.trace_views",
    "narcowatch.web.report_views",
    "narcowatch.web.shop_views",
    "narcowatch.web.monitor_views",
]


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(title="narcowatch", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.runtime = runtime
    app.state.secret_key = secret_key(runtime.settings)
    app.state.templates = make_templates()
    app.state.throttle = LoginThrottle()
    app.state.public_paths = {"/healthz"}
    nav: list[NavItem] = []
    for name in WEB_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router, dependencies=[Depends(csrf_protect)])
        nav.extend(getattr(module, "NAV", []))
        app.state.public_paths.update(getattr(module, "PUBLIC_PATHS", ()))
    app.state.nav = sorted(nav, key=lambda item: item.order)
    mount_assets(app, runtime.settings)
    app.add_middleware(SecurityHeaders, hsts=runtime.settings.cookie_secure)
    _add_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") or bool(
        request.headers.get("HX-Request")
    )


def _add_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        location = f"/login?next={_quote(target)}"
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": location})
        if not _wants_html(request):
            return JSONResponse({"error": "login required"}, status_code=401)
        return RedirectResponse(location, status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "errors.generic"
        if not detail.startswith("errors."):
            detail = {404: "errors.not_found", 405: "errors.method"}.get(
                exc.status_code, "errors.generic"
            )
        if not _wants_html(request):
            return JSONResponse({"error": detail}, status_code=exc.status_code)
        optional_user(request)
        return render(
            request, "error.html", {"status": exc.status_code, "message": detail}, exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        log.info("bad request to %s: %s", request.url.path, exc.errors())
        return await http_error(request, HTTPException(400, "errors.bad_request"))


def _quote(path: str) -> str:
    return quote(path, safe="/")

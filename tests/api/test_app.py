"""The app factory and its extension points: WEB_MODULES, NAV, PUBLIC_PATHS, CSRF, assets."""

from __future__ import annotations

import importlib
import re
import sys
import types
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends, Form, Request
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from narcowatch.api import app as app_module
from narcowatch.api.app import create_app
from narcowatch.runtime import Runtime
from narcowatch.web.deps import CurrentUser, render, require_role
from narcowatch.web.templating import NavItem

from .conftest import csrf_from, login_as

HTML = {"accept": "text/html"}


def _example_module() -> types.ModuleType:
    """What a feature area writes: a router, a nav entry, one public page."""
    module = types.ModuleType("narcowatch_test_example_views")
    router = APIRouter(prefix="/example")

    @router.get("")
    def page(request: Request, user: CurrentUser = Depends(require_role("supervisor"))):  # type: ignore[no-untyped-def]
        return render(request, "error.html", {"status": 200, "message": "nav.audit"})

    @router.post("/act")
    def act(
        request: Request,
        value: str = Form(...),
        user: CurrentUser = Depends(require_role("analyst")),
    ) -> dict[str, str]:
        return {"value": value, "by": user.username}

    @router.get("/public")
    def public(request: Request):  # type: ignore[no-untyped-def]
        return render(request, "error.html", {"status": 200, "message": "nav.queue"})

    @router.post("/public/form")
    def public_form(value: str = Form(...)) -> dict[str, str]:
        return {"value": value}

    module.router = router  # type: ignore[attr-defined]
    module.NAV = [NavItem(label="nav.audit", href="/example", role="supervisor", order=50)]  # type: ignore[attr-defined]
    module.PUBLIC_PATHS = ("/example/public", "/example/public/form")  # type: ignore[attr-defined]
    return module


@pytest.fixture
def example_app(runtime: Runtime, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    module = _example_module()
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(app_module, "WEB_MODULES", [*app_module.WEB_MODULES, module.__name__])
    return create_app(runtime)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "0" * 32, path)


def test_every_route_refuses_anonymous_visitors(runtime: Runtime) -> None:
    """Every module in WEB_MODULES: each route outside PUBLIC_PATHS needs a login."""
    app = create_app(runtime)
    public = app.state.public_paths
    checked = 0
    routes = [
        route
        for name in app_module.WEB_MODULES
        for route in importlib.import_module(name).router.routes
        if isinstance(route, APIRoute) and route.path not in public
    ]
    with TestClient(app) as client:
        for route in routes:
            for method in route.methods:
                headers = {**HTML}
                if method not in ("GET", "HEAD"):
                    # Even with a valid anonymous CSRF token the answer is "log in".
                    headers["X-CSRF-Token"] = csrf_from(client.get("/login").text)
                response = client.request(
                    method, _concrete(route.path), headers=headers, follow_redirects=False
                )
                assert response.status_code in (303, 401), (method, route.path, response.text)
                checked += 1
    assert checked >= 5


def test_audit_page_needs_a_supervisor(runtime: Runtime) -> None:
    app = create_app(runtime)
    with TestClient(app, headers=HTML) as client:
        login_as(client, runtime, "anna", "analyst")
        assert client.get("/review").status_code == 200
        assert client.get("/audit").status_code == 403
        assert client.get("/audit/verify").status_code == 403
        assert 'href="/audit"' not in client.get("/review").text  # not in the analyst's nav
    with TestClient(app, headers=HTML) as client:
        login_as(client, runtime, "sofia", "supervisor")
        assert client.get("/audit").status_code == 200
        assert 'href="/audit"' in client.get("/review").text


def test_area_module_gets_roles_nav_and_csrf(example_app) -> None:  # type: ignore[no-untyped-def]
    runtime = example_app.state.runtime
    with TestClient(example_app, headers=HTML) as client:
        assert client.get("/example", follow_redirects=False).status_code == 303
        assert client.get("/example/public").status_code == 200
        # Anonymous forms are CSRF-checked too (double-submit cookie).
        token = csrf_from(client.get("/example/public").text)
        assert client.post("/example/public/form", data={"value": "x"}).status_code == 403
        ok = client.post("/example/public/form", data={"value": "x", "csrf_token": token})
        assert ok.json() == {"value": "x"}
        login_as(client, runtime, "anna", "analyst")
        assert client.get("/example").status_code == 403
        assert 'href="/example"' not in client.get("/review").text
        # The module's POST route was registered without csrf_protect: the app adds it.
        assert client.post("/example/act", data={"value": "1"}).status_code == 403
        token = csrf_from(client.get("/review").text)
        done = client.post("/example/act", data={"value": "1", "csrf_token": token})
        assert done.json() == {"value": "1", "by": "anna"}
    with TestClient(example_app, headers=HTML) as client:
        login_as(client, runtime, "sofia", "supervisor")
        assert client.get("/example").status_code == 200
        nav = client.get("/review").text
        assert (
            nav.index('href="/review"') < nav.index('href="/example"') < nav.index('href="/audit"')
        )


def test_vendor_assets_come_from_node_modules(runtime: Runtime) -> None:
    with TestClient(create_app(runtime)) as client:
        response = client.get("/static/vendor/htmx.org/htmx.min.js")
        assert response.status_code == 200
        assert "htmx" in response.text[:2000]
        assert client.get("/static/js/app.js").status_code == 200


def test_assets_dir_setting_is_honoured(tmp_path: Path) -> None:
    from tests.conftest import make_settings  # type: ignore[import-not-found]

    modules = tmp_path / "assets"
    (modules / "htmx.org" / "dist").mkdir(parents=True)
    (modules / "htmx.org" / "dist" / "htmx.min.js").write_text("/* local htmx build */")
    rt = Runtime.open(make_settings(tmp_path, assets_dir=str(modules)))
    try:
        with TestClient(create_app(rt)) as client:
            body = client.get("/static/vendor/htmx.org/htmx.min.js").text
        assert body == "/* local htmx build */"
    finally:
        rt.close()


def test_secure_cookies_and_hsts_behind_https(tmp_path: Path) -> None:
    from tests.conftest import make_settings  # type: ignore[import-not-found]

    rt = Runtime.open(make_settings(tmp_path, cookie_secure=True))
    try:
        with TestClient(create_app(rt), base_url="https://testserver", headers=HTML) as client:
            response = login_as(client, rt, "anna", "analyst")
            cookies = response.headers.get_list("set-cookie")
            assert any(c.startswith("nw_session=") and "Secure" in c for c in cookies)
            assert "max-age" in client.get("/review").headers["strict-transport-security"]
    finally:
        rt.close()


def test_healthz_and_unknown_paths(runtime: Runtime) -> None:
    with TestClient(create_app(runtime)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/nope", headers=HTML).status_code == 404
        assert client.get("/nope").json() == {"error": "errors.not_found"}

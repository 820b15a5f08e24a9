"""Login, sessions, logout, CSRF, throttling and security headers, through real HTTP handling."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from narcowatch.runtime import Runtime
from narcowatch.security import audit
from narcowatch.security.sessions import COOKIE_NAME
from narcowatch.store.tables import AuditRecord, UserRecord
from narcowatch.store.tables_security import WebSessionRecord

from .conftest import csrf_from, login, page_csrf


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    response = client.get("/review?status=new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/review%3Fstatus%3Dnew"


def test_htmx_request_gets_hx_redirect(client: TestClient) -> None:
    response = client.get("/review", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_login_sets_a_hardened_session_cookie(
    client: TestClient, make_user: Callable[..., str], runtime: Runtime
) -> None:
    make_user("anna")
    response = login(client, "Anna", next="/review?sort=priority")
    assert response.status_code == 303
    assert response.headers["location"] == "/review?sort=priority"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(COOKIE_NAME + "=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert f"Max-Age={runtime.settings.session_max_age}" in cookie
    assert "Secure" not in cookie  # cookie_secure is off in tests
    page = client.get("/review")
    assert page.status_code == 200
    assert "anna" in page.text
    with runtime.db.session() as session:
        actions = session.scalars(select(AuditRecord.action)).all()
    assert actions == ["user.add", "auth.login"]


def test_wrong_password_fails_and_is_audited(
    client: TestClient, make_user: Callable[..., str], runtime: Runtime
) -> None:
    make_user("anna")
    response = login(client, "anna", password="not the password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.text or "Неверное" in response.text
    assert COOKIE_NAME not in response.cookies
    unknown = login(client, "nobody", password="whatever123")
    assert unknown.status_code == 401
    with runtime.db.session() as session:
        actions = session.scalars(select(AuditRecord.action).order_by(AuditRecord.seq)).all()
        assert audit.verify(session) == []
    assert actions == ["user.add", "auth.login_failed"]  # unknown names are not logged


def test_login_is_throttled_after_repeated_failures(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("anna")
    for _ in range(5):
        assert login(client, "anna", password="wrong-password").status_code == 401
    blocked = login(client, "anna")  # even the right password is refused for now
    assert blocked.status_code == 429
    assert COOKIE_NAME not in blocked.cookies


def test_open_redirect_is_refused(client: TestClient, make_user: Callable[..., str]) -> None:
    make_user("anna")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = login(client, "anna", next=target)
        assert response.headers["location"] == "/review"
        client.cookies.clear()


def test_login_form_requires_csrf(client: TestClient, make_user: Callable[..., str]) -> None:
    make_user("anna")
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "anna", "password": "correct horse battery", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert COOKIE_NAME not in response.cookies


def test_logout_ends_the_session_on_the_server(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("analyst")
    stolen = client.cookies.get(COOKIE_NAME)
    token = page_csrf(client)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebSessionRecord)) == 0
    # A copy of the old cookie is useless now.
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, stolen)
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_logout_without_csrf_is_refused(
    client: TestClient, logged_in: Callable[..., TestClient]
) -> None:
    logged_in("analyst")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert (
        client.post("/logout", json={"csrf_token": "x"}, follow_redirects=False).status_code == 403
    )
    assert client.post("/logout", content=b"raw", follow_redirects=False).status_code == 403
    assert client.get("/review").status_code == 200  # still logged in


def test_expired_session_is_refused(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("analyst")
    with runtime.db.session() as session:
        session.execute(
            update(WebSessionRecord).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert client.get("/review", follow_redirects=False).status_code == 303
    client.cookies.clear()
    with TestClient(client.app) as other:  # another browser's login purges expired sessions
        assert login(other, "analyst1").status_code == 303
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebSessionRecord)) == 1


def test_session_activity_is_recorded_at_most_once_a_minute(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("analyst")
    old = datetime.now(UTC) - timedelta(minutes=5)
    with runtime.db.session() as session:
        session.execute(update(WebSessionRecord).values(last_seen_at=old))
    client.get("/review")
    with runtime.db.session() as session:
        first = session.scalar(select(WebSessionRecord.last_seen_at))
    client.get("/review")
    with runtime.db.session() as session:
        second = session.scalar(select(WebSessionRecord.last_seen_at))
    assert first == second
    assert first.replace(tzinfo=UTC) > old + timedelta(minutes=4)


def test_forged_cookie_is_refused(client: TestClient) -> None:
    client.cookies.set(COOKIE_NAME, "InNvbWV0aGluZyI.forged.signature")
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_deactivated_user_loses_access(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("analyst", username="anna")
    with runtime.db.session() as session:
        session.execute(update(UserRecord).values(active=False))
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_new_login_replaces_the_old_session(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("analyst", username="anna")
    first = client.cookies.get(COOKIE_NAME)
    assert login(client, "anna").status_code == 303
    assert client.cookies.get(COOKIE_NAME) != first
    with runtime.db.session() as session:
        assert session.scalar(select(func.count()).select_from(WebSessionRecord)) == 1


def test_security_headers(client: TestClient, logged_in: Callable[..., TestClient]) -> None:
    logged_in("analyst")
    response = client.get("/review")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and css.headers.get("cache-control") != "no-store"


def test_pages_have_no_inline_scripts(
    client: TestClient, logged_in: Callable[..., TestClient]
) -> None:
    logged_in("supervisor")
    for path in ("/login", "/review", "/audit"):
        html = client.get(path).text
        assert "<script>" not in html and "onclick=" not in html
        assert '<script src="/static/' in html


def test_language_switch_is_stored_on_the_user(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("analyst", username="anna")
    token = page_csrf(client)
    response = client.post(
        "/lang", data={"lang": "kk", "next": "/review", "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert "Тексеру кезегі" in client.get("/review").text
    with runtime.db.session() as session:
        assert session.scalar(select(UserRecord.lang).where(UserRecord.username == "anna")) == "kk"


def test_login_page_language_comes_from_the_cookie(client: TestClient) -> None:
    assert "Вход" in client.get("/login").text  # default_lang is ru
    token = csrf_from(client.get("/login").text)
    client.post("/lang", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert "Sign in" in client.get("/login").text
    client.cookies.set("nw_lang", "kk")
    assert "Кіру" in client.get("/login").text

"""The admin's account page: add, deactivate (ending sessions at once), reactivate."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from narcowatch.runtime import Runtime
from narcowatch.security import audit
from narcowatch.store.tables import UserRecord

from .conftest import login, page_csrf


def test_only_admins_manage_accounts(
    client: TestClient, logged_in: Callable[..., TestClient]
) -> None:
    logged_in("supervisor")
    assert client.get("/admin/users").status_code == 403
    response = client.post(
        "/admin/users",
        data={
            "username": "x1",
            "password": "long enough pw",
            "role": "admin",
            "csrf_token": page_csrf(client),
        },
    )
    assert response.status_code == 403


def test_admin_adds_deactivates_and_reactivates(
    app, client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:  # type: ignore[no-untyped-def]
    logged_in("admin", username="root1")
    token = page_csrf(client, "/admin/users")
    response = client.post(
        "/admin/users",
        data={
            "username": "Boris",
            "password": "long enough pw",
            "role": "analyst",
            "lang": "kk",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "boris" in client.get("/admin/users").text
    with TestClient(app, headers={"accept": "text/html"}) as boris:
        assert login(boris, "boris", "long enough pw").status_code == 303
        assert boris.get("/review").status_code == 200
        with runtime.db.session() as session:
            boris_id = session.scalar(select(UserRecord.id).where(UserRecord.username == "boris"))
        off = client.post(
            f"/admin/users/{boris_id}/active",
            data={"active": "false", "csrf_token": token},
            follow_redirects=False,
        )
        assert off.status_code == 303
        assert boris.get("/review", follow_redirects=False).status_code == 303  # session ended
        assert login(boris, "boris", "long enough pw").status_code == 401
        client.post(f"/admin/users/{boris_id}/active", data={"active": "true", "csrf_token": token})
        assert login(boris, "boris", "long enough pw").status_code == 303
    with runtime.db.session() as session:
        actions = [e.action for e in audit.list_entries(session) if e.actor == "root1"]
        assert actions[:3] == ["user.activate", "user.deactivate", "user.add"]


def test_bad_account_shows_the_coded_error(
    client: TestClient, logged_in: Callable[..., TestClient]
) -> None:
    logged_in("admin")
    response = client.post(
        "/admin/users",
        data={
            "username": "boris",
            "password": "short",
            "role": "analyst",
            "csrf_token": page_csrf(client, "/admin/users"),
        },
    )
    assert response.status_code == 400
    assert "E502" in response.text


def test_admin_cannot_lock_themselves_out(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("admin", username="root1")
    with runtime.db.session() as session:
        own_id = session.scalar(select(UserRecord.id).where(UserRecord.username == "root1"))
    response = client.post(
        f"/admin/users/{own_id}/active",
        data={"active": "false", "csrf_token": page_csrf(client, "/admin/users")},
    )
    assert response.status_code == 400
    assert client.get("/admin/users").status_code == 200

"""The whole review flow through HTTP on SQLite and on PostgreSQL: login, verdict, audit."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from narcowatch.runtime import Runtime
from narcowatch.security import audit

from .conftest import page_csrf


@pytest.fixture
def runtime(any_runtime: Runtime) -> Runtime:  # the web fixtures build on `runtime`
    return any_runtime


def test_login_verdict_and_audit_page(
    client: TestClient,
    logged_in: Callable[..., TestClient],
    add_detection: Callable[..., str],
    runtime: Runtime,
) -> None:
    first = add_detection("первый пост", score=0.9, lang="ru")
    second = add_detection("екінші жазба", score=0.7, lang="kk")
    logged_in("supervisor", username="sofia")
    queue = client.get("/review?lang=kk").text
    assert "екінші жазба" in queue and "первый пост" not in queue
    response = client.post(
        f"/review/{first}/verdict",
        data={"verdict": "escalate", "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert response.headers["location"].startswith(f"/review/{second}")
    page = client.get("/audit").text
    assert "detection.escalated" in page and "sofia" in page
    assert 'data-verify="intact"' in client.get("/audit/verify").text
    with runtime.db.session() as session:
        assert audit.verify(session) == []
        assert audit.head(session)[0] == 3  # user.add, auth.login, detection.escalated

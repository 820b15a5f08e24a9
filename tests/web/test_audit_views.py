"""The audit log page and its chain check, for supervisors."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text

from narcowatch.runtime import Runtime


def test_audit_page_lists_entries_newest_first(
    client: TestClient, logged_in: Callable[..., TestClient]
) -> None:
    logged_in("supervisor", username="sofia")
    html = client.get("/audit").text
    assert html.index("auth.login") < html.index("user.add")
    assert "sofia" in html
    filtered = client.get("/audit?action=user.").text
    assert "user.add" in filtered and "auth.login" not in filtered.split("<tbody>")[1]


def test_verify_panel_reports_intact_and_tampered(
    client: TestClient, logged_in: Callable[..., TestClient], runtime: Runtime
) -> None:
    logged_in("supervisor")
    partial = client.get(
        "/audit/verify", headers={"HX-Request": "true", "HX-Target": "verify-result"}
    )
    assert 'data-verify="intact"' in partial.text and "<html" not in partial.text
    with runtime.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1"))
    page = client.get("/audit/verify").text
    assert 'data-verify="tampered"' in page
    assert "seq 1: content does not match its hash (modified)" in page

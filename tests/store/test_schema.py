"""The migrations and the models agree, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from narcowatch.runtime import Runtime
from narcowatch.store.schema import metadata

REQUIRED = {
    "sources",
    "raw_items",
    "documents",
    "detections",
    "indicators",
    "item_indicators",
    "shops",
    "citizen_reports",
    "cases",
    "evidence",
    "custody_entries",
    "blocking_requests",
    "users",
    "audit_entries",
    "jobs",
}


def test_migrations_create_every_table(any_runtime: Runtime) -> None:
    tables = set(inspect(any_runtime.db.engine).get_table_names())
    assert tables >= REQUIRED


def test_migrations_match_models(any_runtime: Runtime) -> None:
    with any_runtime.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata())
    assert diff == [], f"models changed without a migration: {diff}"


def test_migrate_twice_is_harmless(any_runtime: Runtime) -> None:
    any_runtime.db.init()
    assert "jobs" in inspect(any_runtime.db.engine).get_table_names()


def test_sqlite_runs_in_wal_mode(runtime: Runtime) -> None:
    with runtime.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"

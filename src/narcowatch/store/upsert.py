"""Many-row upserts in one Core statement, on SQLite and PostgreSQL alike.

The pipeline writes hundreds of rows per batch whose ids are derived (a re-run meets its
own rows). Through the ORM each row costs an object, its state tracking and a flush; an
``INSERT ... ON CONFLICT DO UPDATE`` executemany costs a tuple of parameters. Both
databases speak the same clause; SQLAlchemy spells it per dialect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def dialect_insert(session: Session, table: Table) -> Any:
    """``insert(table)`` of the session's dialect, which knows ``on_conflict_do_update``."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(table)


def upsert_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
    *,
    add: Sequence[str] = (),
) -> None:
    """Insert ``rows``; a row whose ``key`` exists gets the ``update`` columns replaced and
    the ``add`` columns incremented by the new values (counters). Column defaults apply to
    inserted rows as with any Core insert.

    Rows go in key order (a stable sort: the last of equal keys still wins), so that two
    PostgreSQL workers upserting shared rows (indicators, counters) lock them in the same
    order and cannot deadlock.
    """
    if not rows:
        return
    if len(rows) > 1:
        rows = sorted(rows, key=lambda row: tuple(str(row[name]) for name in key))
    stmt = dialect_insert(session, table)
    changes: dict[str, Any] = {name: stmt.excluded[name] for name in update}
    changes.update({name: table.c[name] + stmt.excluded[name] for name in add})
    if changes:
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=changes)
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
    session.execute(stmt, rows)

"""Write transactions that do not fail on SQLite when another writer got there first.

SQLite (WAL) starts a deferred transaction as a reader; if another connection commits
before this one first writes, the upgrade to writer fails at once with "database is
locked" (the busy timeout does not apply to a stale snapshot). Writing first, here a
no-op update, takes the write lock up front and waits for it politely instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from narcowatch.store.db import Database


@contextmanager
def write_session(db: Database) -> Iterator[Session]:
    with db.session() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("UPDATE report_campaigns SET code = code WHERE 1 = 0"))
        yield session

"""Bulk writes for relink: a million member rows without ORM objects or per-row dicts.

PostgreSQL gets ``COPY ... FROM STDIN`` (psycopg), SQLite one prepared ``executemany``
with the columns' own bind processors (so dates and booleans are stored exactly as the
ORM stores them). SQLite also gets a large page cache for the session: inserting into
indexes keyed by random hex ids thrashes the default 2 MB cache.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

CHUNK = 20_000
SQLITE_CACHE_KIB = 262_144  # 256 MiB for the relink connection


def big_cache(session: Session) -> None:
    """Give the session's SQLite connection a large page cache (no-op elsewhere)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def insert_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert plain tuples (values in ``columns`` order); returns the row count."""
    conn = session.connection()
    names = ", ".join(f'"{c}"' for c in columns)
    count = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cur,
            cur.copy(  # type: ignore[union-attr]
                f"COPY {table.name} ({names}) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    procs = [table.c[c].type._cached_bind_processor(conn.dialect) for c in columns]
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    if any(procs):
        rows = (
            tuple(v if p is None else p(v) for p, v in zip(procs, row, strict=True)) for row in rows
        )
    for chunk in chunked(rows):
        conn.exec_driver_sql(sql, chunk)  # type: ignore[arg-type]
        count += len(chunk)
    return count


def chunked(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    """Rows in lists of ``CHUNK``: one executemany each, bounded memory."""
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Memo:
    """A bind processor remembering its last few results: relink writes the same
    timestamp and a couple of booleans a million times."""

    def __init__(self, proc: Any) -> None:
        self.proc = proc
        self.seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        try:
            return self.seen[value]
        except KeyError:
            out = self.proc(value)
            if len(self.seen) < 256:
                self.seen[value] = out
            return out
        except TypeError:  # unhashable
            return self.proc(value)

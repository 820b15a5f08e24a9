"""The embedded backend: DuckDB over the Parquet store, with an indexed local copy.

Parquet stays the source of truth; for speed the backend keeps ``index.duckdb`` next to it:
one table sorted by sender with an ART index on it and one sorted by receiver with an ART
index on that (lookups then read few, contiguous row groups), rebuilt whenever the
store's files change. A hop is then an index join of the frontier against the table, in
chunks small enough (CHUNK) that DuckDB's planner picks the ART index join rather than a
full scan (measured: larger probe sides fall back to a hash join over every row).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, cast

import duckdb

from narcowatch.errors import TraceError
from narcowatch.trace.plan import Edge, TracePlan
from narcowatch.trace.store import TransferStore

log = logging.getLogger(__name__)
CHUNK = 48
COLUMNS = "tx_hash, idx, from_addr, to_addr, asset, amount, ts"


class DuckDBBackend:
    name = "duckdb"

    def __init__(
        self, store: TransferStore, *, memory_limit: str = "6GB", threads: int | None = None
    ) -> None:
        self.store = store
        self.path = store.root / "index.duckdb"
        self.memory_limit = memory_limit
        self.threads = threads
        self._con: duckdb.DuckDBPyConnection | None = None

    def build_index(self, *, force: bool = False) -> bool:
        """(Re)build the indexed copy if the store changed; returns True if it was rebuilt."""
        signature = self.store.signature()
        if not force and self.path.exists() and self._signature() == signature:
            return False
        self.close()
        tmp = self.path.with_suffix(".building")
        for leftover in (tmp, Path(str(tmp) + ".wal")):
            leftover.unlink(missing_ok=True)
        self.store.root.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(tmp), config=self._config())
        try:
            con.execute(
                f"CREATE TABLE transfers AS SELECT chain, {COLUMNS} FROM "
                f"{self.store.scan_sql()} ORDER BY chain, from_addr, ts"
            )
            con.execute("CREATE INDEX transfers_from ON transfers (from_addr)")
            # a second copy sorted by receiver: its lookups touch few row groups too
            con.execute(
                "CREATE TABLE transfers_in AS SELECT * FROM transfers ORDER BY chain, to_addr, ts"
            )
            con.execute("CREATE INDEX transfers_to ON transfers_in (to_addr)")
            con.execute("CREATE TABLE meta AS SELECT ? AS signature", [signature])
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, self.path)
        log.info("trace index rebuilt at %s", self.path)
        return True

    def _config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"memory_limit": self.memory_limit}
        if self.threads:
            config["threads"] = self.threads
        return config

    def _signature(self) -> str:
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error:
            return ""
        try:
            return str(con.execute("SELECT signature FROM meta").fetchone()[0])  # type: ignore[index]
        except duckdb.Error:
            return ""
        finally:
            con.close()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self.build_index()
            if not self.path.exists():
                raise TraceError(
                    "the transfers store is empty: import transfers first", code="E833"
                )
            self._con = duckdb.connect(str(self.path), read_only=True, config=self._config())
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _filters(self, plan: TracePlan, *, with_min: bool) -> tuple[str, list[Any]]:
        sql, params = " AND chain = ?", [cast(Any, plan.chain)]
        if plan.start is not None:
            sql += " AND ts >= ?"
            params.append(plan.start)
        if plan.end is not None:
            sql += " AND ts <= ?"
            params.append(plan.end)
        if plan.asset:
            sql += " AND asset = ?"
            params.append(plan.asset)
        if with_min and plan.min_amount > 0:
            sql += " AND amount >= ?"
            params.append(plan.min_amount)
        return sql, params

    def _lookup(
        self, column: str, addresses: list[str], plan: TracePlan, *, with_min: bool
    ) -> list[Edge]:
        extra, params = self._filters(plan, with_min=with_min)
        table = "transfers" if column == "from_addr" else "transfers_in"
        rows: list[Edge] = []
        sql = (
            f"SELECT {COLUMNS} FROM (SELECT unnest(?::VARCHAR[]) AS probe) JOIN {table} "
            f"ON {column} = probe WHERE true{extra}"
        )
        for start in range(0, len(addresses), CHUNK):
            chunk = addresses[start : start + CHUNK]
            rows.extend(Edge(*row) for row in self.con.execute(sql, [chunk, *params]).fetchall())
        return rows

    def present(self, plan: TracePlan, addresses: list[str]) -> set[str]:
        found: set[str] = set()
        for column in ("from_addr", "to_addr"):
            found.update(
                getattr(e, column) for e in self._lookup(column, addresses, plan, with_min=False)
            )
        return found & set(addresses)

    def expand(
        self, plan: TracePlan, frontier: dict[str, int], *, full: bool = False
    ) -> list[Edge]:
        column = "from_addr" if plan.direction == "forward" else "to_addr"
        edges = self._lookup(column, sorted(frontier), plan, with_min=not full)
        if full:
            return edges
        if plan.direction == "forward":
            return [e for e in edges if e.ts >= frontier[e.from_addr]]
        return [e for e in edges if e.ts <= frontier[e.to_addr]]

    def ledger(self, plan: TracePlan, addresses: list[str]) -> list[Edge]:
        column = "to_addr" if plan.direction == "forward" else "from_addr"
        return self._lookup(column, addresses, plan, with_min=False)

"""Imports after the first append to the DuckDB index; traces match a full rebuild."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from narcowatch.trace.duckdb_backend import DuckDBBackend
from narcowatch.trace.engine import run_trace
from narcowatch.trace.plan import TracePlan
from narcowatch.trace.store import TransferStore, arrow_of


def _all_rows(store: TransferStore):  # type: ignore[no-untyped-def]
    con = duckdb.connect()
    try:
        return arrow_of(con, f"SELECT * EXCLUDE (month) FROM {store.scan_sql()}", [])
    finally:
        con.close()


def _traces(backend: DuckDBBackend, scenario, tags) -> list[dict]:  # type: ignore[no-untyped-def]
    out = []
    for shop in scenario.shops:
        for model in ("poison", "haircut", "fifo"):
            for direction in ("forward", "backward"):
                plan = TracePlan(
                    chain="tron", seeds=(shop,), model=model, direction=direction, max_hops=4
                )
                out.append(run_trace(plan, backend, tags).to_dict(timing=False))
    return out


def test_second_import_appends_and_traces_match_full_rebuild(
    scenario_store, tmp_path: Path
) -> None:
    source, scenario, tags = scenario_store
    rows = _all_rows(source)
    # every third row comes later; the second batch repeats some first-batch rows
    later = np.arange(rows.num_rows) % 3 == 0
    first, second = rows.filter(pa.array(~later)), rows.filter(pa.array(later))
    assert first.num_rows and second.num_rows
    store = TransferStore(tmp_path / "trace")
    assert store.append(first) == (first.num_rows, 0)
    backend = DuckDBBackend(store, memory_limit="1GB")
    assert backend.build_index() is True
    inode = backend.path.stat().st_ino
    before = _traces(backend, scenario, tags)

    written, dupes = store.append(pa.concat_tables([second, first.slice(0, 50)]))
    assert (written, dupes) == (second.num_rows, 50)
    assert backend.build_index() is True
    assert backend.path.stat().st_ino == inode  # appended in place, not rebuilt
    assert backend.build_index() is False  # nothing new
    con = duckdb.connect(str(backend.path), read_only=True)
    try:
        for table in ("transfers", "transfers_in"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (rows.num_rows,)
    finally:
        con.close()
    incremental = _traces(backend, scenario, tags)
    assert incremental != before  # the second batch changed what the traces reach

    backend.build_index(force=True)
    assert backend.path.stat().st_ino != inode
    assert _traces(backend, scenario, tags) == incremental
    backend.close()


def test_compaction_rebuilds_the_index(scenario_store, tmp_path: Path) -> None:
    source, scenario, tags = scenario_store
    rows = _all_rows(source)
    store = TransferStore(tmp_path / "trace")
    half = rows.num_rows // 2
    store.append(rows.slice(0, half))
    backend = DuckDBBackend(store, memory_limit="1GB")
    backend.build_index()
    store.append(rows.slice(half))
    assert store.compact() >= 1  # files replaced: the append path must not be taken
    inode = backend.path.stat().st_ino
    assert backend.build_index() is True
    assert backend.path.stat().st_ino != inode
    reference = DuckDBBackend(TransferStore(source.root), memory_limit="1GB")
    try:
        assert _traces(backend, scenario, tags) == _traces(reference, scenario, tags)
    finally:
        backend.close()
        reference.close()

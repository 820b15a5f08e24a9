"""The transfers store: Parquet files partitioned by chain and month (hive layout).

Each file is sorted by sender address so that readers can skip row groups; a write is
de-duplicated on (chain, tx_hash, idx) against the batch and the partitions it touches,
so importing the same file twice adds nothing. Files are written to a temporary name
and renamed, so a crash never leaves half a file in the store.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from narcowatch.trace.assets import AMOUNT_SCALE

log = logging.getLogger(__name__)

TRANSFER_SCHEMA = pa.schema(
    [
        ("chain", pa.string()),
        ("tx_hash", pa.string()),
        ("idx", pa.int64()),
        ("from_addr", pa.string()),
        ("to_addr", pa.string()),
        ("asset", pa.string()),
        ("amount", pa.decimal128(38, AMOUNT_SCALE)),
        ("ts", pa.int64()),
    ]
)
INPUT_SCHEMA = pa.schema(
    [
        ("chain", pa.string()),
        ("tx_hash", pa.string()),
        ("idx", pa.int64()),
        ("address", pa.string()),
        ("amount", pa.decimal128(38, AMOUNT_SCALE)),
        ("ts", pa.int64()),
        ("n_inputs", pa.int32()),
        ("n_outputs", pa.int32()),
        ("coinjoin", pa.bool_()),
    ]
)
ROW_GROUP = 65_536


def month_of(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m")


class TransferStore:
    """Parquet datasets under ``root``: ``transfers/`` and ``inputs/`` (UTXO spends)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> TransferStore:
        return cls(Path(data_dir) / "trace")

    def dataset_dir(self, dataset: str) -> Path:
        return self.root / dataset

    def files(self, dataset: str = "transfers") -> list[Path]:
        base = self.dataset_dir(dataset)
        return sorted(base.glob("chain=*/month=*/*.parquet")) if base.exists() else []

    def glob(self, dataset: str = "transfers") -> str:
        return str(self.dataset_dir(dataset) / "chain=*" / "month=*" / "*.parquet")

    def signature(self) -> str:
        """Changes whenever a transfers file is added, replaced or removed."""
        digest = hashlib.sha256()
        for path in self.files():
            stat = path.stat()
            digest.update(
                f"{path.relative_to(self.root)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode()
            )
        return digest.hexdigest()

    def scan_sql(self, dataset: str = "transfers") -> str:
        """A DuckDB table expression over the dataset (empty-safe)."""
        if not self.files(dataset):
            schema = TRANSFER_SCHEMA if dataset == "transfers" else INPUT_SCHEMA
            cols = ", ".join(f"CAST(NULL AS {_duck_type(f.type)}) AS {f.name}" for f in schema)
            return f"(SELECT {cols} WHERE false)"
        return (
            f"read_parquet('{self.glob(dataset)}', hive_partitioning=true, "
            "hive_types_autocast=false)"
        )

    def append(self, rows: pa.Table, dataset: str = "transfers") -> tuple[int, int]:
        """Write new rows, skipping duplicates; returns (written, duplicates)."""
        if rows.num_rows == 0:
            return 0, 0
        sort_key = "from_addr" if dataset == "transfers" else "address"
        con = duckdb.connect()
        try:
            con.register("batch", rows)
            con.execute(
                "CREATE TEMP TABLE fresh AS SELECT *, strftime(to_timestamp(ts), '%Y-%m') AS month "
                "FROM batch QUALIFY row_number() OVER (PARTITION BY chain, tx_hash, idx) = 1"
            )
            parts = con.execute("SELECT DISTINCT chain, month FROM fresh").fetchall()
            written = 0
            for chain, month in parts:
                existing = sorted(
                    (self.dataset_dir(dataset) / f"chain={chain}" / f"month={month}").glob(
                        "*.parquet"
                    )
                )
                source = "fresh f"
                if existing:
                    files = ", ".join(f"'{p}'" for p in existing)
                    source += f" ANTI JOIN read_parquet([{files}]) e USING (tx_hash, idx)"
                schema = TRANSFER_SCHEMA if dataset == "transfers" else INPUT_SCHEMA
                cols = ", ".join(f"f.{f.name}" for f in schema if f.name != "chain")
                table = arrow_of(
                    con,
                    f"SELECT {cols} FROM {source} WHERE f.chain = ? AND f.month = ? "
                    f"ORDER BY f.{sort_key}, f.ts, f.tx_hash, f.idx",
                    [chain, month],
                )
                if table.num_rows:
                    self._write(dataset, chain, month, table)
                    written += table.num_rows
        finally:
            con.close()
        return written, rows.num_rows - written

    def _write(self, dataset: str, chain: str, month: str, table: pa.Table) -> Path:
        folder = self.dataset_dir(dataset) / f"chain={chain}" / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"part-{uuid.uuid4().hex}.parquet"
        tmp = folder / f".{final.name}.tmp"
        pq.write_table(table, tmp, row_group_size=ROW_GROUP, compression="zstd")
        os.replace(tmp, final)
        return final

    def write_sorted(self, rows: pa.Table, dataset: str = "transfers") -> int:
        """Write rows of one chain and month, already sorted by sender (bulk generators)."""
        if rows.num_rows:
            chain = rows.column("chain")[0].as_py()
            month = month_of(rows.column("ts")[0].as_py())
            self._write(dataset, chain, month, rows.drop_columns(["chain"]))
        return rows.num_rows

    def write_partitions(self, rows: pa.Table, dataset: str = "transfers") -> int:
        """Write rows known to be new (generators, bulk loads): split by month, sort, write."""
        con = duckdb.connect()
        try:
            con.register("batch", rows)
            schema = TRANSFER_SCHEMA if dataset == "transfers" else INPUT_SCHEMA
            sort_key = "from_addr" if dataset == "transfers" else "address"
            cols = ", ".join(f.name for f in schema if f.name != "chain")
            month = "strftime(to_timestamp(ts), '%Y-%m')"
            for chain, part in con.execute(f"SELECT DISTINCT chain, {month} FROM batch").fetchall():
                table = arrow_of(
                    con,
                    f"SELECT {cols} FROM batch WHERE chain = ? AND {month} = ? "
                    f"ORDER BY {sort_key}, ts",
                    [chain, part],
                )
                self._write(dataset, chain, part, table)
        finally:
            con.close()
        return rows.num_rows

    def compact(self, dataset: str = "transfers") -> int:
        """Rewrite every partition with several files into one sorted file; returns partitions."""
        sort_key = "from_addr" if dataset == "transfers" else "address"
        done = 0
        base = self.dataset_dir(dataset)
        for folder in sorted(base.glob("chain=*/month=*")) if base.exists() else []:
            files = sorted(folder.glob("*.parquet"))
            if len(files) < 2:
                continue
            con = duckdb.connect()
            try:
                listed = ", ".join(f"'{p}'" for p in files)
                table = arrow_of(
                    con,
                    f"SELECT * FROM read_parquet([{listed}], hive_partitioning=false) "
                    f"ORDER BY {sort_key}, ts, tx_hash, idx",
                    [],
                )
            finally:
                con.close()
            chain = folder.parent.name.split("=", 1)[1]
            month = folder.name.split("=", 1)[1]
            self._write(dataset, chain, month, table)
            for path in files:
                path.unlink()
            done += 1
        return done

    def count(self, dataset: str = "transfers") -> int:
        if not self.files(dataset):
            return 0
        con = duckdb.connect()
        try:
            return int(con.execute(f"SELECT count(*) FROM {self.scan_sql(dataset)}").fetchone()[0])  # type: ignore[index]
        finally:
            con.close()


def arrow_of(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> pa.Table:
    """A DuckDB query as an Arrow table (DuckDB 1.x and 2.x spell the method apart)."""
    rel = con.sql(sql, params=params)
    fetch = getattr(rel, "to_arrow_table", None) or rel.fetch_arrow_table
    return fetch()


def _duck_type(dtype: pa.DataType) -> str:
    if pa.types.is_decimal(dtype):
        return f"DECIMAL({dtype.precision}, {dtype.scale})"
    if pa.types.is_int64(dtype):
        return "BIGINT"
    if pa.types.is_int32(dtype):
        return "INTEGER"
    if pa.types.is_boolean(dtype):
        return "BOOLEAN"
    return "VARCHAR"


def to_table(records: Sequence[dict[str, Any]], dataset: str = "transfers") -> pa.Table:
    schema = TRANSFER_SCHEMA if dataset == "transfers" else INPUT_SCHEMA
    return pa.Table.from_pylist(list(records), schema=schema)

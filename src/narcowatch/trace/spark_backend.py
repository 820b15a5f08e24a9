"""The distributed backend: the same plan on Apache Spark over the same Parquet files.

Each hop is a broadcast hash join of the (small) frontier against the transfers, which
Spark reads partitioned by chain and month, so a time window prunes whole partitions and
every executor filters its own files against its copy of the frontier; only the matching
transfers travel back to the driver. Tests run it in local mode.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from narcowatch.errors import TraceError
from narcowatch.trace.plan import Edge, TracePlan
from narcowatch.trace.store import TransferStore

COLUMNS = ["tx_hash", "idx", "from_addr", "to_addr", "asset", "amount", "ts"]
#: frontiers up to this size are pushed down as an IN filter; larger ones are broadcast-joined
ISIN_LIMIT = 2000


def local_session(cores: int = 2, shuffle_partitions: int = 4) -> Any:
    """A quiet local Spark session (tests, laptops)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra
        raise TraceError(
            "the Spark backend needs pyspark: pip install 'narcowatch[spark]'", code="E834"
        ) from exc
    spark = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("narcowatch-trace")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.adaptive.enabled", "false")  # tiny local jobs: skip re-planning
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _month(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m")


class SparkBackend:
    name = "spark"

    def __init__(
        self, store: TransferStore, spark: Any | None = None, *, cache: bool = False
    ) -> None:
        if not store.files():
            raise TraceError("the transfers store is empty: import transfers first", code="E833")
        self.store = store
        self.spark = spark or local_session()
        self.transfers = self.spark.read.option(
            "basePath", str(store.dataset_dir("transfers"))
        ).parquet(str(store.dataset_dir("transfers")))

    def _scoped(self, plan: TracePlan, *, with_min: bool) -> Any:
        from pyspark.sql import functions as F

        df = self.transfers.where(F.col("chain") == plan.chain)
        if plan.start is not None:
            df = df.where((F.col("month") >= _month(plan.start)) & (F.col("ts") >= plan.start))
        if plan.end is not None:
            df = df.where((F.col("month") <= _month(plan.end)) & (F.col("ts") <= plan.end))
        if plan.asset:
            df = df.where(F.col("asset") == plan.asset)
        if with_min and plan.min_amount > 0:
            df = df.where(F.col("amount") >= F.lit(plan.min_amount))
        return df

    def _frontier(self, bounds: dict[str, int]) -> Any:
        from pyspark.sql.types import LongType, StringType, StructField, StructType

        schema = StructType(
            [StructField("f_addr", StringType(), False), StructField("f_bound", LongType(), False)]
        )
        return self.spark.createDataFrame(sorted(bounds.items()), schema)

    def _collect(self, df: Any) -> list[Edge]:
        return [
            Edge(r.tx_hash, int(r.idx), r.from_addr, r.to_addr, r.asset, r.amount, int(r.ts))
            for r in df.select(*COLUMNS).collect()
        ]

    def _touching(self, df: Any, column: str, bounds: dict[str, int]) -> Any:
        """Rows whose ``column`` is in the frontier: an IN filter, or a broadcast join."""
        from pyspark.sql import functions as F

        if len(bounds) <= ISIN_LIMIT:
            return df.where(F.col(column).isin(sorted(bounds)))
        return df.join(F.broadcast(self._frontier(bounds)), F.col(column) == F.col("f_addr"))

    def present(self, plan: TracePlan, addresses: list[str]) -> set[str]:
        from pyspark.sql import functions as F

        wanted = set(addresses)
        df = self._scoped(plan, with_min=False)
        hits = df.where(F.col("from_addr").isin(addresses) | F.col("to_addr").isin(addresses))
        found: set[str] = set()
        for row in hits.select("from_addr", "to_addr").distinct().collect():
            found.update(a for a in (row.from_addr, row.to_addr) if a in wanted)
        return found

    def expand(
        self, plan: TracePlan, frontier: dict[str, int], *, full: bool = False
    ) -> list[Edge]:
        column = "from_addr" if plan.direction == "forward" else "to_addr"
        scoped = self._scoped(plan, with_min=not full)
        edges = self._collect(self._touching(scoped, column, frontier))
        if full:
            return edges
        # the per-address time bound is applied here, exactly as the DuckDB backend does
        if plan.direction == "forward":
            return [e for e in edges if e.ts >= frontier[e.from_addr]]
        return [e for e in edges if e.ts <= frontier[e.to_addr]]

    def ledger(self, plan: TracePlan, addresses: list[str]) -> list[Edge]:
        column = "to_addr" if plan.direction == "forward" else "from_addr"
        df = self._scoped(plan, with_min=False)
        return self._collect(self._touching(df, column, dict.fromkeys(addresses, 0)))

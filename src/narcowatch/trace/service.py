"""Entry points the front doors (CLI, web) call: open the store, pick a backend, run a trace."""

from __future__ import annotations

from narcowatch.errors import TraceError
from narcowatch.runtime import Runtime
from narcowatch.trace.duckdb_backend import DuckDBBackend
from narcowatch.trace.engine import Progress, TraceBackend, run_trace
from narcowatch.trace.plan import TracePlan
from narcowatch.trace.result import TraceResult
from narcowatch.trace.store import TransferStore
from narcowatch.trace.tags import TagIndex

BACKENDS = ("duckdb", "spark")


def transfer_store(rt: Runtime) -> TransferStore:
    return TransferStore.for_data_dir(rt.settings.data_dir)


def make_backend(name: str, store: TransferStore) -> TraceBackend:
    if name == "duckdb":
        return DuckDBBackend(store)
    if name == "spark":
        from narcowatch.trace.spark_backend import SparkBackend

        return SparkBackend(store)
    raise TraceError(f"unknown backend {name!r}; use one of {', '.join(BACKENDS)}", code="E834")


def trace(
    rt: Runtime, plan: TracePlan, *, backend: str = "duckdb", progress: Progress | None = None
) -> TraceResult:
    """Run ``plan`` with the stored tags of its chain."""
    store = transfer_store(rt)
    if not store.files():
        raise TraceError(
            "no transfers imported yet: run `narcowatch trace import` first", code="E833"
        )
    with rt.db.session() as s:
        tags = TagIndex.load(s, plan.chain)
    engine = make_backend(backend, store)
    try:
        return run_trace(plan, engine, tags, progress)
    finally:
        close = getattr(engine, "close", None)
        if close:
            close()

"""Spark (local mode) and DuckDB give identical results on the same data and plan."""

from __future__ import annotations

import pytest

from narcowatch.trace.duckdb_backend import DuckDBBackend
from narcowatch.trace.engine import run_trace
from narcowatch.trace.plan import TracePlan

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]')")


@pytest.fixture(scope="module")
def backends(scenario_store, spark):  # type: ignore[no-untyped-def]
    from narcowatch.trace.spark_backend import SparkBackend

    store, scenario, tags = scenario_store
    duck = DuckDBBackend(store)
    yield duck, SparkBackend(store, spark, cache=True), scenario, tags
    duck.close()


@pytest.mark.parametrize("model", ["poison", "haircut", "fifo"])
def test_forward_results_are_identical(backends, model) -> None:  # type: ignore[no-untyped-def]
    duck, spark, scenario, tags = backends
    plan = TracePlan(chain="tron", seeds=tuple(scenario.shops[:2]), model=model, max_hops=4)
    a = run_trace(plan, duck, tags).to_dict(timing=False)
    b = run_trace(plan, spark, tags).to_dict(timing=False)
    assert a["cashouts"], "the scenario must reach cash-out points"
    assert a == b


def test_backward_with_window_and_min_amount_is_identical(backends) -> None:  # type: ignore[no-untyped-def]
    duck, spark, scenario, tags = backends
    some_deposit = sorted(scenario.truth[scenario.shops[0]])[0]
    plan = TracePlan(
        chain="tron",
        seeds=(some_deposit,),
        direction="backward",
        model="haircut",
        max_hops=3,
        min_amount=1,
        allow_service_seed=True,
        stop_categories=frozenset({"mixer"}),
    )
    a = run_trace(plan, duck, tags).to_dict(timing=False)
    b = run_trace(plan, spark, tags).to_dict(timing=False)
    assert scenario.shops[0] in {n["address"] for n in a["nodes"]}
    assert a == b

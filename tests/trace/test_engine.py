"""The engine on a hand-made graph whose taint figures are worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from narcowatch.errors import TraceError
from narcowatch.trace.duckdb_backend import DuckDBBackend
from narcowatch.trace.engine import run_trace
from narcowatch.trace.plan import TracePlan
from narcowatch.trace.scenarios import T0
from narcowatch.trace.tags import Tag, TagIndex
from tests.trace.conftest import addr


def trace(store, tags, **kw):  # type: ignore[no-untyped-def]
    backend = DuckDBBackend(store)
    try:
        return run_trace(TracePlan(chain="tron", seeds=(addr("S"),), **kw), backend, tags)
    finally:
        backend.close()


# Worked by hand: A holds 100 clean (t=50) then 100 from S (t=100), sends 50 to B (t=200)
# and 150 to X (t=300); B sends 50 to X (t=400). A's 30 to X at t=10 predates the taint.
@pytest.mark.parametrize(
    ("model", "to_x", "a_to_b"),
    [("poison", "200", "50"), ("haircut", "100", "25"), ("fifo", "100", None)],
)
def test_taint_models_match_hand_figures(small_store, small_tags, model, to_x, a_to_b) -> None:
    result = trace(small_store, small_tags, model=model)
    assert [c["address"] for c in result.cashouts] == [addr("X")]
    assert result.cashouts[0]["amount"] == to_x
    assert result.cashouts[0]["label"] == "Exchange X"
    edges = {(e["from"], e["to"]): e for e in result.edges}
    assert (addr("A"), addr("X")) in edges
    if a_to_b is None:  # FIFO: the 50 sent to B were the clean coins that came first
        assert (addr("A"), addr("B")) not in edges
    else:
        assert edges[(addr("A"), addr("B"))]["taint"] == a_to_b
    # time-respecting: the t=10 transfer left A before the taint arrived
    assert "t06" not in {e["tx_hash"] for e in result.edges}
    # the stop rule: X's own onward transfer to Z is not followed
    assert addr("Z") not in {n["address"] for n in result.nodes}
    assert result.complete


def test_paths_lead_from_seed_to_cashout(small_store, small_tags) -> None:
    result = trace(small_store, small_tags)
    paths = result.paths[addr("X")]
    hops = sorted([[h["tx_hash"] for h in p] for p in paths])
    assert hops == [["t02", "t03", "t05"], ["t02", "t04"]]
    for path in paths:
        assert path[0]["from"] == addr("S") and path[-1]["to"] == addr("X")
        assert [h["ts"] for h in path] == sorted(h["ts"] for h in path)


def test_hop_limit_leaves_open_ends(small_store, small_tags) -> None:
    result = trace(small_store, small_tags, max_hops=1)
    assert result.cashouts == []
    assert {n["address"]: n["role"] for n in result.nodes}[addr("A")] == "open_end"
    assert result.totals["to_open_ends"] == "100"


def test_min_amount_and_window_prune(small_store, small_tags) -> None:
    assert trace(small_store, small_tags, min_amount=Decimal("60")).cashouts[0]["amount"] == "150"
    early = trace(small_store, small_tags, end=T0 + 350)
    assert early.cashouts[0]["amount"] == "150"


def test_backward_trace_finds_sources(small_store) -> None:
    backend = DuckDBBackend(small_store)
    plan = TracePlan(chain="tron", seeds=(addr("B"),), direction="backward", max_hops=2)
    result = run_trace(plan, backend, TagIndex({addr("U"): [Tag("User", "exchange", "t", 50)]}))
    backend.close()
    reached = {n["address"] for n in result.nodes}
    assert {addr("A"), addr("S"), addr("U")} <= reached
    assert [c["address"] for c in result.cashouts] == [addr("U")]
    path = result.paths[addr("U")][0]
    assert path[0]["from"] == addr("U") and path[-1]["to"] == addr("B")


def test_runaway_trace_stops_at_limits_and_says_so(small_store, small_tags) -> None:
    result = trace(small_store, TagIndex(), max_edges=2)
    assert not result.complete
    assert "exceed the limits" in result.stopped
    assert result.hops < 4


def test_service_seed_is_refused_with_a_clear_message(small_store, small_tags) -> None:
    backend = DuckDBBackend(small_store)
    with pytest.raises(TraceError) as err:
        run_trace(TracePlan(chain="tron", seeds=(addr("X"),)), backend, small_tags)
    backend.close()
    assert err.value.code == "E831" and "exchange" in err.value.message


def test_unknown_seed_and_bad_plan(small_store, small_tags) -> None:
    backend = DuckDBBackend(small_store)
    with pytest.raises(TraceError) as err:
        run_trace(TracePlan(chain="tron", seeds=(addr("nobody"),)), backend, small_tags)
    assert err.value.code == "E830"
    with pytest.raises(TraceError) as err:
        run_trace(TracePlan(chain="tron", seeds=("Tnot-an-address",)), backend, small_tags)
    assert err.value.code == "E810"
    with pytest.raises(TraceError) as err:
        run_trace(TracePlan(chain="tron", seeds=(addr("S"),), model="lifo"), backend, small_tags)
    assert err.value.code == "E832"
    backend.close()

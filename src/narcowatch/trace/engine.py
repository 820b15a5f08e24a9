"""The tracing engine: hop-by-hop frontier expansion, one plan for every backend.

A backend only answers two questions over its transfers (the heavy, data-parallel part):
which transfers leave (or, backward, enter) these frontier addresses within their time
bounds, and what is the full ledger of these addresses. Everything else (time-respecting
bounds, stop rule, limits, taint, paths) happens here, in one place, so DuckDB and Spark
give identical results by construction.

Backward traces run the same code on the mirrored graph (edges reversed, time negated).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from narcowatch.errors import TraceError
from narcowatch.trace.paths import find_paths
from narcowatch.trace.plan import Edge, TracePlan
from narcowatch.trace.result import TraceResult, build_result
from narcowatch.trace.tags import TagIndex
from narcowatch.trace.taint import simulate

log = logging.getLogger(__name__)
Progress = Callable[[int, int, int], None]  # hop, frontier size, edges so far
NO_BOUND = -(2**62)


class TraceBackend(Protocol):
    name: str

    def present(self, plan: TracePlan, addresses: list[str]) -> set[str]:
        """Those of ``addresses`` that appear in any transfer of the plan's chain."""
        ...

    def expand(
        self, plan: TracePlan, frontier: dict[str, int], *, full: bool = False
    ) -> list[Edge]:
        """Forward: transfers from a frontier address at or after its bound; backward: to a
        frontier address at or before it. Window, asset and minimum amount applied; with
        ``full``, only window and asset (the engine keeps the rest for taint accounting)."""
        ...

    def ledger(self, plan: TracePlan, addresses: list[str]) -> list[Edge]:
        """The other side of the ledger of ``addresses`` in the window and asset: transfers
        into them for forward traces, out of them for backward traces."""
        ...


def _mirror(edge: Edge) -> Edge:
    return edge._replace(from_addr=edge.to_addr, to_addr=edge.from_addr, ts=-edge.ts)


def run_trace(
    plan: TracePlan, backend: TraceBackend, tags: TagIndex, progress: Progress | None = None
) -> TraceResult:
    """Run ``plan`` on ``backend``; never loops beyond the plan's limits."""
    started = time.perf_counter()
    plan = plan.checked()
    forward = plan.direction == "forward"
    _check_seeds(plan, backend, tags)
    bound: dict[str, int] = dict.fromkeys(plan.seeds, NO_BOUND)  # earliest arrival, mirrored time
    hop_of: dict[str, int] = dict.fromkeys(plan.seeds, 0)
    edges: dict[tuple[str, int], tuple[Edge, int]] = {}  # mirrored for backward traces
    expanded: set[str] = set()
    stops: set[str] = set()
    frontier = dict(bound)
    stopped, hops = "", 0
    full = plan.model != "poison"
    ledger: dict[tuple[str, int], Edge] = {}
    for hop in range(1, plan.max_hops + 1):
        if not frontier:
            break
        hops = hop
        expanded.update(frontier)
        asked = frontier if forward else {a: -b for a, b in frontier.items()}
        nxt: dict[str, int] = {}
        fetched = backend.expand(plan, asked, full=full)
        if full:  # haircut / FIFO: keep every transfer for the ledger, follow only the valid ones
            ledger.update((e.key, e) for e in fetched)
            fetched = [e for e in fetched if _follows(e, plan, asked, forward)]
        for raw in sorted(fetched, key=lambda e: (e.ts, e.tx_hash, e.idx)):
            edge = raw if forward else _mirror(raw)
            edges.setdefault(edge.key, (edge, hop))
            dst = edge.to_addr
            hop_of.setdefault(dst, hop)
            if dst in plan.seeds:
                continue
            if tags.stop_tag(dst, plan.stop_categories) is not None:
                stops.add(dst)
                continue
            if edge.ts < bound.get(dst, 2**62):
                bound[dst] = nxt[dst] = edge.ts
        if progress:
            progress(hop, len(frontier), len(edges))
        if len(edges) > plan.max_edges or len(hop_of) > plan.max_addresses:
            stopped = (
                f"stopped after hop {hop} of {plan.max_hops}: {len(edges)} transfers and "
                f"{len(hop_of)} addresses exceed the limits ({plan.max_edges} transfers, "
                f"{plan.max_addresses} addresses); narrow the window, raise --min-amount or "
                "lower --hops"
            )
            break
        frontier = nxt
    taint = _taint(plan, backend, expanded, edges, ledger, forward)
    graph = [edge for edge, _ in edges.values()]
    paths = find_paths(plan, graph, taint, stops)
    result = build_result(
        plan=plan,
        backend=backend.name,
        graph=edges,
        taint=taint,
        hop_of=hop_of,
        expanded=expanded,
        stops=stops,
        tags=tags,
        paths=paths,
        hops=hops,
        stopped=stopped,
        forward=forward,
    )
    result.elapsed_s = time.perf_counter() - started
    log.info("trace %s: %s", plan.seeds, result.summary())
    return result


def _follows(edge: Edge, plan: TracePlan, bounds: dict[str, int], forward: bool) -> bool:
    """The expansion filter the backends apply when not asked for everything."""
    if edge.amount < plan.min_amount:
        return False
    if forward:
        return edge.ts >= bounds[edge.from_addr]
    return edge.ts <= bounds[edge.to_addr]


def _taint(
    plan: TracePlan,
    backend: TraceBackend,
    expanded: set[str],
    edges: dict[tuple[str, int], tuple[Edge, int]],
    ledger: dict[tuple[str, int], Edge],
    forward: bool,
) -> dict[tuple[str, int], object]:
    if plan.model == "poison":
        return {key: edge.amount for key, (edge, _) in edges.items()}
    ledger.update((e.key, e) for e in backend.ledger(plan, sorted(expanded)))
    mirrored = [e if forward else _mirror(e) for e in ledger.values()]
    return simulate(plan.model, plan.seeds, expanded, mirrored)  # type: ignore[return-value]


def _check_seeds(plan: TracePlan, backend: TraceBackend, tags: TagIndex) -> None:
    for seed in plan.seeds:
        tag = tags.stop_tag(seed, plan.stop_categories)
        if tag is not None and not plan.allow_service_seed:
            raise TraceError(
                f"seed {seed} is tagged {tag.category} ({tag.label}, source {tag.source}): "
                "tracing through a service would follow every customer's money. Trace the "
                "shop's own addresses or the service's deposit addresses instead "
                "(or pass --allow-service-seed).",
                code="E831",
                seed=seed,
            )
    present = backend.present(plan, list(plan.seeds))
    missing = [s for s in plan.seeds if s not in present]
    if missing:
        raise TraceError(
            f"no {plan.chain} transfers found for seed(s) {', '.join(missing)}; import the "
            "transfers of these addresses first (narcowatch trace import)",
            code="E830",
            seeds=missing,
        )

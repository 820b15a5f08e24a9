"""Paths from the seeds to each cash-out point: the "how did the money get there" answer.

A path is a chain of transfers, each no earlier than the one before it (money leaves an
address only after it arrived), found by a bounded depth-first search backwards from the
cash-out point, heaviest tainted transfers first. Hand-written because graph libraries
do not know time-respecting paths; the search budget keeps it bounded on dense graphs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from narcowatch.trace.plan import Edge, TracePlan

SEARCH_BUDGET = 20_000


def find_paths(
    plan: TracePlan,
    graph: Iterable[Edge],
    taint: Mapping[tuple[str, int], object],
    targets: Iterable[str],
) -> dict[str, list[list[Edge]]]:
    """Up to ``plan.max_paths`` time-respecting paths from any seed to each target."""
    incoming: dict[str, list[Edge]] = defaultdict(list)
    for edge in graph:
        if Decimal(str(taint.get(edge.key, 0))) > 0:
            incoming[edge.to_addr].append(edge)
    for edges in incoming.values():
        edges.sort(key=lambda e: (-Decimal(str(taint.get(e.key, 0))), e.ts, e.tx_hash, e.idx))
    seeds = set(plan.seeds)
    found: dict[str, list[list[Edge]]] = {}
    for target in sorted(targets):
        paths: list[list[Edge]] = []
        budget = [SEARCH_BUDGET]
        _walk(target, 2**62, [], {target}, incoming, seeds, plan, paths, budget)
        if paths:
            found[target] = paths
    return found


def _walk(
    node: str,
    latest: int,
    suffix: list[Edge],
    on_path: set[str],
    incoming: Mapping[str, list[Edge]],
    seeds: set[str],
    plan: TracePlan,
    paths: list[list[Edge]],
    budget: list[int],
) -> None:
    for edge in incoming.get(node, ()):
        if len(paths) >= plan.max_paths or budget[0] <= 0:
            return
        budget[0] -= 1
        if edge.ts > latest or edge.from_addr in on_path:
            continue
        chain = [edge, *suffix]
        if edge.from_addr in seeds:
            paths.append(chain)
            continue
        if len(chain) < plan.max_hops:
            on_path.add(edge.from_addr)
            _walk(edge.from_addr, edge.ts, chain, on_path, incoming, seeds, plan, paths, budget)
            on_path.discard(edge.from_addr)

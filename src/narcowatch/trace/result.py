"""The result of a trace: flow graph, cash-out points with amounts, paths, and a status.

Amounts are exact decimals, written as strings in JSON so no float ever rounds them.
Only transfers that carry taint are part of the flow graph (under poison, all of them).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from narcowatch.trace.plan import Edge, TracePlan
from narcowatch.trace.tags import TagIndex
from narcowatch.trace.timestamps import iso

ZERO = Decimal(0)


def fmt(amount: Decimal) -> str:
    """Exact, without exponent or trailing zeros."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class TraceResult:
    plan: TracePlan
    backend: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    cashouts: list[dict[str, Any]] = field(default_factory=list)
    paths: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    totals: dict[str, str] = field(default_factory=dict)
    hops: int = 0
    stopped: str = ""
    elapsed_s: float = 0.0

    @property
    def complete(self) -> bool:
        return not self.stopped

    def summary(self) -> dict[str, Any]:
        return {
            "addresses": len(self.nodes),
            "transfers": len(self.edges),
            "cashouts": len(self.cashouts),
            "hops": self.hops,
            "complete": self.complete,
            "stopped": self.stopped,
            **self.totals,
        }

    def to_dict(self, *, timing: bool = True) -> dict[str, Any]:
        data = {
            "plan": self.plan.to_dict(),
            "status": {"complete": self.complete, "stopped": self.stopped, "hops": self.hops},
            "totals": self.totals,
            "nodes": self.nodes,
            "edges": self.edges,
            "cashouts": self.cashouts,
            "paths": self.paths,
        }
        if timing:
            data["backend"] = self.backend
            data["status"] = {**data["status"], "elapsed_s": round(self.elapsed_s, 4)}  # type: ignore[dict-item]
        return data

    def edges_csv(self) -> str:
        return _csv(
            self.edges, ["tx_hash", "idx", "from", "to", "asset", "amount", "taint", "time", "hop"]
        )

    def cashouts_csv(self) -> str:
        return _csv(
            self.cashouts,
            [
                "address",
                "label",
                "category",
                "source",
                "confidence",
                "amount",
                "transfers",
                "first_time",
                "last_time",
            ],
        )


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _unmirror(edge: Edge, forward: bool) -> Edge:
    if forward:
        return edge
    return edge._replace(from_addr=edge.to_addr, to_addr=edge.from_addr, ts=-edge.ts)


def _edge_dict(edge: Edge, taint: Decimal, hop: int) -> dict[str, Any]:
    return {
        "tx_hash": edge.tx_hash,
        "idx": edge.idx,
        "from": edge.from_addr,
        "to": edge.to_addr,
        "asset": edge.asset,
        "amount": fmt(edge.amount),
        "taint": fmt(taint),
        "ts": edge.ts,
        "time": iso(edge.ts),
        "hop": hop,
    }


def build_result(
    *,
    plan: TracePlan,
    backend: str,
    graph: Mapping[tuple[str, int], tuple[Edge, int]],
    taint: Mapping[tuple[str, int], Any],
    hop_of: Mapping[str, int],
    expanded: set[str],
    stops: set[str],
    tags: TagIndex,
    paths: Mapping[str, list[list[Edge]]],
    hops: int,
    stopped: str,
    forward: bool,
) -> TraceResult:
    """Assemble the result (in the original orientation, also for backward traces)."""
    result = TraceResult(plan=plan, backend=backend, hops=hops, stopped=stopped)
    received: dict[str, Decimal] = defaultdict(Decimal)
    sent: dict[str, Decimal] = defaultdict(Decimal)
    times: dict[str, list[int]] = defaultdict(list)
    kept: list[tuple[Edge, Decimal, int]] = []
    for key, (edge, hop) in graph.items():
        share = Decimal(str(taint.get(key, ZERO)))
        if share <= 0:
            continue
        kept.append((edge, share, hop))
        received[edge.to_addr] += share
        sent[edge.from_addr] += share
        times[edge.to_addr].append(-edge.ts if not forward else edge.ts)
    kept.sort(key=lambda k: (_unmirror(k[0], forward).ts, k[0].tx_hash, k[0].idx))
    result.edges = [_edge_dict(_unmirror(e, forward), s, h) for e, s, h in kept]
    members = set(plan.seeds) | set(received)
    for addr in sorted(members, key=lambda a: (hop_of.get(a, 0), a)):
        role = (
            "seed"
            if addr in plan.seeds
            else "cashout"
            if addr in stops
            else "intermediate"
            if addr in expanded
            else "open_end"
        )
        result.nodes.append(
            {
                "address": addr,
                "role": role,
                "hop": hop_of.get(addr, 0),
                "received": fmt(received.get(addr, ZERO)),
                "sent": fmt(sent.get(addr, ZERO)),
                "tags": [t.to_dict() for t in tags.get(addr)],
            }
        )
    for addr in sorted(
        (a for a in stops if received.get(a, ZERO) > 0), key=lambda a: (-received[a], a)
    ):
        tag = tags.stop_tag(addr, plan.stop_categories)
        result.cashouts.append(
            {
                "address": addr,
                "label": tag.label if tag else "",
                "category": tag.category if tag else "",
                "source": tag.source if tag else "",
                "confidence": tag.confidence if tag else 0,
                "amount": fmt(received[addr]),
                "transfers": len(times[addr]),
                "first_time": iso(min(times[addr])),
                "last_time": iso(max(times[addr])),
            }
        )
    for target, found in paths.items():
        if received.get(target, ZERO) <= 0:
            continue
        result.paths[target] = [
            [
                _edge_dict(
                    _unmirror(e, forward), Decimal(str(taint.get(e.key, ZERO))), graph[e.key][1]
                )
                for e in (path if forward else reversed(path))
            ]
            for path in found
        ]
    to_cashouts = sum((received[a] for a in stops), ZERO)
    open_ends = sum((received[n["address"]] for n in result.nodes if n["role"] == "open_end"), ZERO)
    result.totals = {
        "from_seeds": fmt(sum((sent[s] for s in plan.seeds), ZERO)),
        "to_cashouts": fmt(to_cashouts),
        "to_open_ends": fmt(open_ends),
    }
    return result

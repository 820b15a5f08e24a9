"""The trace plan: what to trace and within which limits, checked before anything runs.

One plan drives both backends (DuckDB and Spark); the plan, not the backend, decides
direction, hops, window, minimum amount, stop categories and taint model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

from narcowatch.errors import TraceError
from narcowatch.trace.addresses import normalize_address
from narcowatch.trace.assets import resolve_asset
from narcowatch.trace.tags import STOP_CATEGORIES

DIRECTIONS = ("forward", "backward")
MODELS = ("poison", "haircut", "fifo")


class Edge(NamedTuple):
    """One transfer as the engine sees it; ``amount`` is exact."""

    tx_hash: str
    idx: int
    from_addr: str
    to_addr: str
    asset: str
    amount: Decimal
    ts: int

    @property
    def key(self) -> tuple[str, int]:
        return self.tx_hash, self.idx


@dataclass(frozen=True)
class TracePlan:
    chain: str
    seeds: tuple[str, ...]
    direction: str = "forward"
    model: str = "poison"
    max_hops: int = 4
    start: int | None = None
    end: int | None = None
    min_amount: Decimal = Decimal(0)
    asset: str | None = None
    stop_categories: frozenset[str] = field(default_factory=lambda: STOP_CATEGORIES)
    max_addresses: int = 20_000
    max_edges: int = 200_000
    max_paths: int = 5
    allow_service_seed: bool = False

    def checked(self) -> TracePlan:
        """A normalised copy, or a TraceError (E83x) saying what is wrong."""
        if self.direction not in DIRECTIONS:
            raise TraceError(f"direction must be one of {DIRECTIONS}", code="E832")
        if self.model not in MODELS:
            raise TraceError(f"taint model must be one of {MODELS}", code="E832")
        if not self.seeds:
            raise TraceError("give at least one seed address", code="E832")
        if not 1 <= self.max_hops <= 20:
            raise TraceError("hops must be between 1 and 20", code="E832")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise TraceError("the time window starts after it ends", code="E832")
        if self.min_amount < 0 or self.max_addresses < 1 or self.max_edges < 1:
            raise TraceError("limits must be positive", code="E832")
        seeds = tuple(dict.fromkeys(normalize_address(self.chain, s) for s in self.seeds))
        asset = resolve_asset(self.chain, self.asset).symbol if self.asset else None
        return replace(self, seeds=seeds, asset=asset, min_amount=Decimal(self.min_amount))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seeds"] = list(self.seeds)
        data["min_amount"] = str(self.min_amount)
        data["stop_categories"] = sorted(self.stop_categories)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TracePlan:
        values = dict(data)
        values["seeds"] = tuple(values.get("seeds", ()))
        values["min_amount"] = Decimal(str(values.get("min_amount", "0")))
        if "stop_categories" in values:
            values["stop_categories"] = frozenset(values["stop_categories"])
        return cls(**values)

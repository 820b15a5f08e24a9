"""Per-stage counters: kept in memory during a run, added to the database at each commit."""

from __future__ import annotations

from collections import defaultdict
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from narcowatch.store.tables import StageCounterRecord
from narcowatch.store.upsert import upsert_rows


class Counters:
    def __init__(self) -> None:
        self.totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._pending: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, stage: str, key: str, n: int = 1) -> None:
        self.totals[stage][key] += n
        self._pending[(stage, key)] += n

    def discard_pending(self) -> None:
        """Forget increments of a rolled-back batch (they were never committed)."""
        for (stage, key), n in self._pending.items():
            self.totals[stage][key] -= n
        self._pending.clear()

    def absorb(self, other: Counters) -> None:
        """Add the increments ``other`` has not flushed (a batch attempt that succeeded)."""
        for (stage, key), n in other._pending.items():
            self.add(stage, key, n)
        other._pending.clear()

    def flush(self, session: Session) -> None:
        """Add pending increments to the stored totals, inside the caller's transaction
        (one upsert that adds, so concurrent workers never lose each other's counts)."""
        rows = [
            {"stage": stage, "key": key, "value": n}
            for (stage, key), n in sorted(self._pending.items())
        ]
        table = cast(Table, StageCounterRecord.__table__)
        upsert_rows(session, table, rows, ["stage", "key"], [], add=["value"])
        self._pending.clear()

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {stage: dict(keys) for stage, keys in self.totals.items()}


def stored_counters(session: Session) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for row in session.scalars(select(StageCounterRecord)):
        out[row.stage][row.key] = row.value
    return dict(out)

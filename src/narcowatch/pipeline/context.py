"""What the stages pass along for one item."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from narcowatch.classify.base import Detection
from narcowatch.extract.base import Indicator
from narcowatch.normalize.document import Document
from narcowatch.pipeline.counters import Counters
from narcowatch.settings import Settings
from narcowatch.store.tables import ItemRecord


@dataclass
class ItemContext:
    item: ItemRecord
    session: Session
    settings: Settings
    counters: Counters
    doc: Document | None = None
    det: Detection | None = None
    indicators: list[Indicator] = field(default_factory=list)
    shop_id: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    dropped: bool = False
    # The stored detection row, held so that later stages reuse it without a query
    # (the session's identity map only keeps weak references to flushed rows).
    det_row: Any = None
    # Stages whose pure computation was done before the write transaction (``prepare``).
    prepared: set[str] = field(default_factory=set)

    def count(self, stage: str, key: str, n: int = 1) -> None:
        self.counters.add(stage, key, n)


class Stage(Protocol):
    """One step after ingest. Raise ``DropItem`` to stop an item on purpose.

    A stage may also define ``process_batch(ctxs)`` doing the same for a whole batch with
    fewer queries; the runner uses it when present and falls back to ``process`` item by
    item if the batch call raises, so one bad item never costs the others their results.
    """

    name: str

    def process(self, ctx: ItemContext) -> None: ...

"""The classifier interface and its result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from narcowatch.normalize.document import Document


@dataclass
class Reason:
    """Why a text was flagged: a term (lexicon hit or n-gram), its weight, its original span."""

    term: str
    kind: str
    weight: float
    start: int
    end: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain fields (``dataclasses.asdict`` deep-copies recursively: ~10x slower)."""
        return {
            "term": self.term,
            "kind": self.kind,
            "weight": self.weight,
            "start": self.start,
            "end": self.end,
            "note": self.note,
        }


@dataclass
class Detection:
    label: int
    score: float
    classifier: str
    reasons: list[Reason] = field(default_factory=list)


class Classifier(Protocol):
    name: str  # versioned, e.g. "lexicon.v1" or "drugs.v1"

    def classify(self, doc: Document) -> Detection: ...

    def classify_many(self, docs: Sequence[Document]) -> list[Detection]: ...

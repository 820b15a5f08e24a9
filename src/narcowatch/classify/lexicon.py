"""``lexicon.v1``: a transparent keyword detector over the team's lexicon.

Every matched term is a reason with its weight and its span in the original text; the score is
the logistic of the summed weights. Each canonical concept counts once (repeating a word does
not raise the score), and ambiguous everyday words (фен, соль, шишки...) count only next to an
unambiguous drug-trade term. It is the baseline the learned ``drugs.v1`` is measured against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from narcowatch.classify.base import Detection, Reason
from narcowatch.classify.lexicon_data import LexiconEntry, load_lexicon
from narcowatch.classify.matcher import Hit, LexiconMatcher
from narcowatch.normalize.document import Document

BIAS = -3.0


def score_hits(hits: Sequence[Hit]) -> tuple[float, list[Hit]]:
    """Summed weight (one per concept, ambiguous terms gated) and the hits that count."""
    total, counted, _ = score_hits_anchor(hits)
    return total, counted


def score_hits_anchor(hits: Sequence[Hit]) -> tuple[float, list[Hit], bool]:
    """``score_hits`` plus whether an unambiguous positive term (an anchor) was found."""
    has_anchor = any(h.entry.weight > 0 and not h.entry.ambiguous for h in hits)
    best: dict[str, Hit] = {}
    keys = []
    for hit in hits:
        entry = hit.entry
        # positive synonyms share a concept; distinct negative contexts each count
        key = entry.term if entry.weight < 0 else entry.canonical
        keys.append(key)
        if entry.ambiguous and entry.weight > 0 and not has_anchor:
            continue
        kept = best.get(key)
        if kept is None or abs(entry.weight) > abs(kept.entry.weight):
            best[key] = hit
    total = sum(h.entry.weight for h in best.values())
    # a hit counts when the kept hit of its concept is the same lexicon entry (itself included)
    counted = [
        h
        for h, key in zip(hits, keys, strict=True)
        if (kept := best.get(key)) is not None and kept.entry is h.entry
    ]
    return total, counted, has_anchor


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class LexiconClassifier:
    """Keyword classifier; ``name`` is stored with every detection it produces."""

    name = "lexicon.v1"

    def __init__(self, entries: Sequence[LexiconEntry] | None = None, bias: float = BIAS) -> None:
        self.entries = list(entries) if entries is not None else load_lexicon()
        self.matcher = LexiconMatcher(self.entries)
        self.bias = bias

    def reasons(self, doc: Document, hits: Sequence[Hit]) -> list[Reason]:
        out = []
        for hit in hits:
            start, end = doc.original_span(hit.start, hit.end)
            out.append(
                Reason(
                    term=hit.entry.term,
                    kind=hit.entry.category,
                    weight=hit.entry.weight,
                    start=start,
                    end=end,
                    note=f"{hit.entry.lang} lexicon: {hit.entry.canonical}",
                )
            )
        return out

    def classify(self, doc: Document) -> Detection:
        total, counted = score_hits(self.matcher.match(doc.folded))
        score = logistic(self.bias + total)
        return Detection(
            label=int(score >= 0.5),
            score=score,
            classifier=self.name,
            reasons=self.reasons(doc, counted),
        )

    def classify_many(self, docs: Sequence[Document]) -> list[Detection]:
        return [self.classify(doc) for doc in docs]

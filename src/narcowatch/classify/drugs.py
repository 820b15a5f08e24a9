"""``drugs``: the learned multilingual classifier (registered name "drugs", versioned drugs.vN).

Scores are calibrated probabilities; reasons are the lexicon hits that counted plus the
n-grams that pushed the score up most, each mapped back to a span of the original text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from narcowatch.classify.artefact import load_model
from narcowatch.classify.base import Detection, Reason
from narcowatch.classify.features import LexiconScore
from narcowatch.normalize.document import Document

TOP_NGRAMS = 3
JUNK_SHARE = 0.2  # above this share of junk characters a text is unreadable, not a post
JUNK_CAP = 0.05
EXPLAIN_FROM = 0.5  # n-gram reasons for positives only (the queue); saves time on the rest


def _ngram_span(gram: str, folded: str) -> tuple[int, int] | None:
    if gram.startswith("§"):
        words = gram[1:].split(" ")
        start = folded.find(words[0])
        if start < 0:
            return None
        end = start + len(words[0])
        if len(words) > 1:
            nxt = folded.find(words[1], end)
            if nxt < 0:
                return None
            end = nxt + len(words[1])
        return start, end
    core = gram.strip(" ")
    if not core:
        return None
    start = folded.find(core)
    return (start, start + len(core)) if start >= 0 else None


def is_unreadable(doc: Document) -> bool:
    """Mostly control / replacement / symbol characters: binary garbage, not a post."""
    visible = len(doc.text) - doc.text.count(" ")
    return visible > 0 and doc.signals.get("junk_chars", 0) / visible > JUNK_SHARE


class DrugsClassifier:
    """Loads (or on first use trains) the current artefact of the data directory."""

    def __init__(self, data_dir: Path | None = None, version: str | None = None) -> None:
        if data_dir is None:
            from narcowatch.settings import load_settings

            data_dir = load_settings().data_dir
        self.model = load_model(Path(data_dir), version)
        self.name = self.model.version
        self.thresholds = dict(self.model.thresholds)
        self._names = self.model.features.feature_names()
        self._n_grams = self.model.features.ngrams.n_features
        assert self.model.clf is not None
        self._coef = self.model.clf.coef_[0]

    def _reasons(
        self, doc: Document, lex: LexiconScore, top: list[tuple[float, int]], score: float
    ) -> list[Reason]:
        """Lexicon hits that counted, then (for positives) the strongest n-grams ``top``."""
        reasons: list[Reason] = []
        offsets, n_offsets = doc.offsets, len(doc.offsets)
        for hit in lex.counted:
            entry = hit.entry
            if hit.end <= n_offsets:  # inline of doc.original_span: this runs for every hit
                start, end = offsets[hit.start], offsets[hit.end - 1] + 1
            else:
                start, end = doc.original_span(hit.start, hit.end)
            reasons.append(
                Reason(entry.term, entry.category, entry.weight, start, end, entry.note_)
            )
        if score < EXPLAIN_FROM:
            return reasons
        taken: set[tuple[int, int]] = {(r.start, r.end) for r in reasons}
        added = 0
        for value, j in top:
            if added >= TOP_NGRAMS or value <= 0:
                break
            span = _ngram_span(self._names[j], doc.folded)
            if span is None:
                continue
            start, end = doc.original_span(*span)
            if (start, end) in taken:
                continue
            taken.add((start, end))
            added += 1
            term = self._names[j].lstrip("§").strip()
            reasons.append(Reason(term, "ngram", round(value, 4), start, end, "strongest n-gram"))
        return reasons

    def _top_ngrams(self, grams: Any, i: int) -> list[tuple[float, int]]:
        a, b = grams.indptr[i], grams.indptr[i + 1]
        if b == a:
            return []
        contrib = grams.data[a:b] * self._coef[grams.indices[a:b]]
        k = min(TOP_NGRAMS * 2, b - a)
        best = np.argpartition(-contrib, k - 1)[:k]
        pairs = zip(contrib[best].tolist(), grams.indices[a:b][best].tolist(), strict=True)
        return sorted(pairs, reverse=True)

    def classify_many(self, docs: Sequence[Document]) -> list[Detection]:
        if not docs:
            return []
        decision, grams, hits = self.model.decision(docs)
        scores = self.model.proba(decision).tolist()
        out = []
        for i, doc in enumerate(docs):
            score = scores[i]
            unreadable = is_unreadable(doc)
            if unreadable:
                score = min(score, JUNK_CAP)
            top = self._top_ngrams(grams, i) if score >= EXPLAIN_FROM else []
            reasons = self._reasons(doc, hits[i], top, score)
            if unreadable:
                reasons.append(Reason("unreadable text", "quality", 0.0, 0, 0))
            out.append(Detection(int(score >= 0.5), score, self.name, reasons))
        return out

    def classify(self, doc: Document) -> Detection:
        return self.classify_many([doc])[0]

"""Features of a folded text for ``drugs.v1``: n-grams plus lexicon, indicator and obfuscation
features.

Character n-grams (within word boundaries) see through inflection and partial obfuscation;
word n-grams catch phrasing; the dense block carries the lexicon (per category, ambiguous words
gated as in ``lexicon.v1``), indicators a shop leaves (handles, bots, prices with a currency,
weights, crypto, links) and the obfuscation counters from normalisation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from narcowatch.classify.indicators import INDICATORS, count_indicators
from narcowatch.classify.lexicon import score_hits_anchor
from narcowatch.classify.lexicon_data import CATEGORIES, load_lexicon
from narcowatch.classify.matcher import Hit, LexiconMatcher
from narcowatch.classify.ngrams import NgramVectorizer
from narcowatch.normalize.document import Document

SIGNALS = ("mixed_script_words", "leet_words", "separated_words", "repeated_letters")
CATEGORY_LIST = sorted(CATEGORIES)
_CAT_INDEX = {c: j for j, c in enumerate(CATEGORY_LIST)}


class LexiconScore(NamedTuple):
    """Lexicon matches of one document, scored (a tuple: one is built per document)."""

    total: float
    counted: list[Hit]
    anchor: bool
    cues: int = 0  # ambiguous positive concepts found, counted or not: the "shop shape"


SHAPE_CAP = 6


def dense_names() -> list[str]:
    names = [f"lex_{c}" for c in CATEGORY_LIST] + ["lex_total", "lex_anchor"]
    names += [f"ind_{k}" for k in INDICATORS] + [f"obf_{s}" for s in SIGNALS]
    # shop shape (ambiguous shop/sale/delivery words + indicators such as handles, prices,
    # weights) split by whether an unambiguous drug term is present: shop structure alone is
    # what an ordinary shop also has, so it gets its own weight
    return [*names, "len_log", "shape_anchor", "shape_no_anchor"]


def _cues(found: Sequence[Hit]) -> int:
    return len({h.entry.canonical for h in found if h.entry.ambiguous and h.entry.weight > 0})


class FeatureBuilder:
    """Fit on training documents, then turn any documents into one sparse matrix."""

    def __init__(self) -> None:
        self.ngrams = NgramVectorizer()
        self.matcher: LexiconMatcher | None = None
        self.dense_scale = 0.5

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["matcher"] = None  # rebuilt from the lexicon files on load
        return state

    def lexicon(self) -> LexiconMatcher:
        if self.matcher is None:
            self.matcher = LexiconMatcher(load_lexicon())
        return self.matcher

    def fit(self, docs: Sequence[Document]) -> FeatureBuilder:
        self.ngrams.fit(d.folded for d in docs)
        return self

    def hits(
        self, docs: Sequence[Document], words: Sequence[list[str]] | None = None
    ) -> list[LexiconScore]:
        """Lexicon matches of each document, scored once (features and reasons share them);
        ``words`` are the documents' ``\\w+`` tokens when the caller has them."""
        match = self.lexicon().match
        out = []
        for i, doc in enumerate(docs):
            found = match(doc.folded, None if words is None else words[i])
            if not found:  # most posts: nothing to score
                out.append(LexiconScore(0, [], False))
                continue
            out.append(LexiconScore(*score_hits_anchor(found), _cues(found)))
        return out

    def dense(self, docs: Sequence[Document], hits: Sequence[LexiconScore]) -> np.ndarray:
        """One row per document: counted in flat Python lists, scaled column-wise in numpy."""
        n, n_cat, n_ind = len(docs), len(CATEGORY_LIST), len(INDICATORS)
        per_cat = [0.0] * (n * n_cat)
        counts = [0] * (n * n_ind)
        signals: list[int] = []
        tail: list[float] = []  # len_log, shape_anchor, shape_no_anchor
        for i, (doc, lex) in enumerate(zip(docs, hits, strict=True)):
            if lex.counted:
                seen: set[str] = set()
                for hit in lex.counted:
                    entry = hit.entry
                    if entry.term not in seen:
                        seen.add(entry.term)
                        per_cat[i * n_cat + _CAT_INDEX[entry.category]] += entry.weight / 3.0
            base = i * n_ind
            count_indicators(doc.folded, counts, base)
            signals.extend(map(doc.signals.get, SIGNALS, (0,) * len(SIGNALS)))
            shape = min(sum(counts[base : base + n_ind]) + lex.cues, SHAPE_CAP) / SHAPE_CAP
            tail.append(math.log1p(len(doc.folded)) / 10.0)
            tail.extend((shape, 0.0) if lex.anchor else (0.0, shape))
        out = np.empty((n, len(dense_names())), dtype=np.float64)
        out[:, :n_cat] = np.array(per_cat, dtype=np.float64).reshape(n, n_cat)
        out[:, n_cat] = np.array([lex.total for lex in hits], dtype=np.float64) / 5.0
        out[:, n_cat + 1] = [float(lex.anchor) for lex in hits]
        col = n_cat + 2
        out[:, col : col + n_ind] = np.minimum(np.array(counts).reshape(n, n_ind), 5) / 5.0
        col += n_ind
        out[:, col : col + len(SIGNALS)] = (
            np.minimum(np.array(signals).reshape(n, len(SIGNALS)), 5) / 5.0
        )
        out[:, -3:] = np.array(tail, dtype=np.float64).reshape(n, 3)
        return out * self.dense_scale

    def transform(
        self, docs: Sequence[Document], hits: Sequence[LexiconScore] | None = None
    ) -> sp.csr_matrix:
        if hits is None:
            hits = self.hits(docs)
        grams = self.ngrams.transform([d.folded for d in docs])
        return sp.hstack([grams, sp.csr_matrix(self.dense(docs, hits))], format="csr")

    def feature_names(self) -> list[str]:
        return self.ngrams.names() + [f"d:{n}" for n in dense_names()]

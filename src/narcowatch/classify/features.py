"""Features of a folded text for ``drugs.v1``: n-grams plus lexicon, indicator and obfuscation
features.

Character n-grams (within word boundaries) see through inflection and partial obfuscation;
word n-grams catch phrasing; the dense block carries the lexicon (per category, ambiguous words
gated as in ``lexicon.v1``), indicators a shop leaves (handles, bots, prices with a currency,
weights, crypto, links) and the obfuscation counters from normalisation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from narcowatch.classify.lexicon import score_hits
from narcowatch.classify.lexicon_data import CATEGORIES, load_lexicon
from narcowatch.classify.matcher import Hit, LexiconMatcher
from narcowatch.classify.ngrams import NgramVectorizer
from narcowatch.normalize.document import Document

INDICATOR_PATTERNS: dict[str, str] = {
    "bot_handle": r"@\w*bot\b",
    "handle": r"@\w{3,}",
    "price": r"\d[\d .,]*\s?(?:₸|тг|тенге|теңге|к\b|руб|₽|\$|usdt|usd|долл|bucks)|\$\d",
    "weight": r"(?<![\w.,])\d+(?:[.,]\d+)?\s?(?:г|гр|грамм\w*|g|gr|oz)(?!\w)",
    "crypto": r"\b(?:btc|usdt|trc-?20|ltc|xmr|monero|биткоин\w*|крипт\w*)\b",
    "link": r"https?://|\.(?:onion|shop|top|site|online)\b|t\.me/",
    "phone": r"(?:\+7|\b8)[\s-]?7\d\d[\s-]?\d{3}[\s-]?\d\d[\s-]?\d\d",
    "emoji": r"emoji_(?:snow|gem|ice|leaf|herb|mushroom|pill|candy|bolt|rocket)",
}
INDICATORS = list(INDICATOR_PATTERNS)
# one pass over the text: the first alternative that matches names the indicator
_INDICATOR_RE = re.compile("|".join(f"(?P<{k}>{p})" for k, p in INDICATOR_PATTERNS.items()))
SIGNALS = ("mixed_script_words", "leet_words", "separated_words", "repeated_letters")
CATEGORY_LIST = sorted(CATEGORIES)


@dataclass(frozen=True)
class LexiconScore:
    total: float
    counted: list[Hit]
    anchor: bool


def dense_names() -> list[str]:
    names = [f"lex_{c}" for c in CATEGORY_LIST] + ["lex_total", "lex_anchor"]
    names += [f"ind_{k}" for k in INDICATORS] + [f"obf_{s}" for s in SIGNALS]
    return [*names, "len_log"]


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

    def hits(self, docs: Sequence[Document]) -> list[LexiconScore]:
        """Lexicon matches of each document, scored once (features and reasons share them)."""
        matcher = self.lexicon()
        out = []
        for doc in docs:
            found = matcher.match(doc.folded)
            total, counted = score_hits(found)
            anchor = any(h.entry.weight > 0 and not h.entry.ambiguous for h in found)
            out.append(LexiconScore(total, counted, anchor))
        return out

    def dense(self, docs: Sequence[Document], hits: Sequence[LexiconScore]) -> np.ndarray:
        """One row per document; plain Python lists, turned into an array once (fast)."""
        rows: list[list[float]] = []
        cat_index = {c: j for j, c in enumerate(CATEGORY_LIST)}
        ind_index = {k: j for j, k in enumerate(INDICATORS)}
        n_cat, n_ind = len(CATEGORY_LIST), len(INDICATORS)
        finditer = _INDICATOR_RE.finditer
        for doc, lex in zip(docs, hits, strict=True):
            per_cat = [0.0] * n_cat
            seen: set[str] = set()
            for hit in lex.counted:
                entry = hit.entry
                if entry.term not in seen:
                    seen.add(entry.term)
                    per_cat[cat_index[entry.category]] += entry.weight / 3.0
            counts = [0] * n_ind
            folded = doc.folded
            for m in finditer(folded):
                counts[ind_index[m.lastgroup or "handle"]] += 1
            signals = doc.signals
            rows.append(
                [
                    *per_cat,
                    lex.total / 5.0,
                    float(lex.anchor),
                    *[min(c, 5) / 5.0 for c in counts],
                    *[min(signals.get(name, 0), 5) / 5.0 for name in SIGNALS],
                    math.log1p(len(folded)) / 10.0,
                ]
            )
        out = np.array(rows, dtype=np.float64).reshape(len(docs), len(dense_names()))
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

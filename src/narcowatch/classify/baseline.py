"""``keywords.v1``: the keyword-only baseline the learned classifier is compared with.

The same lexicon and scoring as ``lexicon.v1``, but matched on the text as written (NFKC and
lower case only: no look-alike folding, no separator joining, no leetspeak, no zero-width
removal): what a plain keyword filter sees.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from narcowatch.classify.base import Detection
from narcowatch.classify.lexicon import BIAS, LexiconClassifier, logistic, score_hits
from narcowatch.classify.lexicon_data import LexiconEntry
from narcowatch.classify.matcher import LexiconMatcher
from narcowatch.normalize.document import Document


def plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


class KeywordBaseline(LexiconClassifier):
    name = "keywords.v1"

    def __init__(self, entries: Sequence[LexiconEntry] | None = None) -> None:
        super().__init__(entries, bias=BIAS)
        self.matcher = LexiconMatcher(self.entries, fold=plain)

    def classify(self, doc: Document) -> Detection:
        total, _ = score_hits(self.matcher.match(plain(doc.text)))
        score = logistic(self.bias + total)
        return Detection(label=int(score >= 0.5), score=score, classifier=self.name, reasons=[])

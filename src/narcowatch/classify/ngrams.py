"""Character and word n-grams with TF-IDF weights, transformed fast through a per-word cache.

scikit-learn's ``TfidfVectorizer`` fits the vocabulary and the idf; its Python analyzer is too
slow at prediction time for thousands of posts per second, so ``transform`` here builds the same
matrix from a cache of each distinct word's n-gram indices (posts reuse the same words over and
over). Character n-grams are taken inside words padded with spaces (like ``char_wb``), words
and word pairs are added with a ``§`` prefix so they cannot collide with character n-grams.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

WORD_RE = re.compile(r"\w+")
CHAR_RANGE = (2, 4)
CACHE_LIMIT = 300_000


def word_ngrams(word: str) -> list[str]:
    padded = f" {word} "
    lo, hi = CHAR_RANGE
    grams = [padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]
    grams.append("§" + word)
    return grams


def analyze(folded: str) -> list[str]:
    words = WORD_RE.findall(folded)
    grams: list[str] = []
    for word in words:
        grams.extend(word_ngrams(word))
    grams.extend(f"§{a} {b}" for a, b in itertools.pairwise(words))
    return grams


class NgramVectorizer:
    """Fit like a TfidfVectorizer (min_df, sublinear tf, l2); transform through a word cache."""

    def __init__(self, min_df: int = 2, max_features: int = 200_000) -> None:
        self.tfidf = TfidfVectorizer(
            analyzer=analyze, min_df=min_df, sublinear_tf=True, max_features=max_features
        )
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0)
        self._cache: dict[str, tuple[int, ...]] = {}

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_cache"] = {}
        return state

    def fit(self, texts: Iterable[str]) -> NgramVectorizer:
        self.tfidf.fit(list(texts))
        self.vocab = {k: int(v) for k, v in self.tfidf.vocabulary_.items()}
        self.idf = self.tfidf.idf_.astype(np.float64)
        self._cache = {}
        return self

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def _word(self, word: str) -> tuple[int, ...]:
        hit = self._cache.get(word)
        if hit is None:
            vocab = self.vocab
            hit = tuple(vocab[g] for g in word_ngrams(word) if g in vocab)
            if len(self._cache) < CACHE_LIMIT:
                self._cache[word] = hit
        return hit

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        vocab = self.vocab
        cached = self._cache.get
        for text in texts:
            words = WORD_RE.findall(text)
            for word in words:
                grams = cached(word)
                indices.extend(grams if grams is not None else self._word(word))
            for a, b in itertools.pairwise(words):
                j = vocab.get(f"§{a} {b}")
                if j is not None:
                    indices.append(j)
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float64)
        X = sp.csr_matrix(
            (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), self.n_features),
        )
        X.sum_duplicates()
        np.log(X.data, out=X.data)
        X.data += 1.0
        X.data *= self.idf[X.indices]
        # l2 per row, by hand: sklearn's normalize() validates its input, which dominates the
        # cost when posts are scored one at a time
        if X.nnz:
            lengths = np.diff(X.indptr)
            sq = np.add.reduceat(X.data**2, X.indptr[:-1][lengths > 0])
            norms = np.ones(len(lengths))
            norms[lengths > 0] = np.sqrt(sq)
            X.data /= np.repeat(norms, lengths)
        return X

    def names(self) -> list[str]:
        names = [""] * self.n_features
        for gram, j in self.vocab.items():
            names[j] = gram
        return names

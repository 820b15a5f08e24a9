"""Character and word n-grams with TF-IDF weights, transformed fast through a per-word cache.

scikit-learn's ``TfidfVectorizer`` fits the vocabulary and the idf; its Python analyzer is too
slow at prediction time for thousands of posts per second, so ``transform`` here builds the same
matrix from a cache of each distinct word's n-gram indices, packed as int32 bytes (posts reuse the
same words over and over, and a batch's indices are then one ``bytes.join`` away from numpy).
Character n-grams are taken inside words padded with spaces (like ``char_wb``), words and word
pairs are added with a ``§`` prefix so they cannot collide with character n-grams.
"""

from __future__ import annotations

import itertools
import re
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

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
        self._reset()

    def _reset(self) -> None:
        """Derived lookups: the word cache and word pairs keyed without their "§" prefix."""
        self._cache = _WordCache(self.vocab)
        self._pairs = {g[1:]: j for g, j in self.vocab.items() if g[:1] == "§" and " " in g}

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        for derived in ("_cache", "_pairs"):
            state.pop(derived, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._reset()

    def fit(self, texts: Iterable[str]) -> NgramVectorizer:
        self.tfidf.fit(list(texts))
        self.vocab = {k: int(v) for k, v in self.tfidf.vocabulary_.items()}
        self.idf = self.tfidf.idf_.astype(np.float64)
        self._reset()
        return self

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def transform(
        self, texts: Sequence[str], words: Sequence[list[str]] | None = None
    ) -> sp.csr_matrix:
        """TF-IDF rows of ``texts``; ``words``: their ``\\w+`` tokens if the caller has them."""
        if words is None:
            words = [WORD_RE.findall(text) for text in texts]
        word_grams = self._cache.__getitem__
        pair_get = self._pairs.get
        chunks: list[bytes] = []
        indptr = [0]
        size = 0
        for ws in words:
            grams = b"".join(map(word_grams, ws))
            pairs = array(
                "i",
                [j for j in map(pair_get, map(" ".join, itertools.pairwise(ws))) if j is not None],
            ).tobytes()
            chunks.append(grams)
            chunks.append(pairs)
            size += len(grams) + len(pairs)
            indptr.append(size // 4)
        indices = np.frombuffer(bytearray().join(chunks), dtype=np.int32)
        data = np.ones(len(indices), dtype=np.float64)
        X = sp.csr_matrix(
            (data, indices, np.asarray(indptr, dtype=np.int64)),
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


class _WordCache(dict[str, bytes]):
    """Word -> its n-gram indices in the vocabulary as int32 bytes, computed on first sight."""

    def __init__(self, vocab: dict[str, int]) -> None:
        super().__init__()
        self.vocab = vocab

    def __missing__(self, word: str) -> bytes:
        vocab = self.vocab
        packed = array("i", [vocab[g] for g in word_ngrams(word) if g in vocab]).tobytes()
        if len(self) < CACHE_LIMIT:
            self[word] = packed
        return packed

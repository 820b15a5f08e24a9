"""The ``drugs`` model: features -> logistic regression -> Platt calibration -> thresholds.

Training is deterministic (fixed seed, liblinear), so ``narcowatch train`` reproduces the same
artefact and the same metrics. Probabilities are calibrated on out-of-fold decision values
from a cross-validation grouped by template family (so calibration and thresholds reflect
unseen shops, not memorised ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from narcowatch.classify.features import FeatureBuilder, LexiconScore
from narcowatch.classify.ngrams import WORD_RE
from narcowatch.normalize.document import Document
from narcowatch.normalize.text import normalize_text

SEED = 20261121
C = 8.0
FOLDS = 3


def _logit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def precision_threshold(scores: np.ndarray, labels: np.ndarray, target: float) -> float:
    """Lowest threshold above which every window of neighbouring scores has precision >= target.

    Local (windowed) precision, not cumulative: an item auto-escalated at the threshold itself
    must be right with probability ``target``, not merely the average of everything above it.
    """
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order].astype(float)
    n = len(y)
    width = max(20, n // 50)
    if n < width:
        return 1.0
    csum = np.concatenate([[0.0], np.cumsum(y)])
    window = (csum[width:] - csum[:-width]) / width  # precision of items i .. i+width-1
    bad = np.where(window < target)[0]
    if not len(bad):
        return float(s[-1])
    first = int(bad[0])
    return float(s[first - 1]) if first > 0 else 1.0


def recall_threshold(scores: np.ndarray, labels: np.ndarray, target: float) -> float:
    """Highest threshold that still keeps recall at least ``target``."""
    pos = np.sort(scores[labels == 1])[::-1]
    if not len(pos):
        return 0.5
    k = int(np.ceil(target * len(pos))) - 1
    return float(pos[min(max(k, 0), len(pos) - 1)])


@dataclass
class DrugsModel:
    """Everything needed to score a document; pickled as the versioned artefact."""

    version: str = "drugs.v1"
    features: FeatureBuilder = field(default_factory=FeatureBuilder)
    clf: LogisticRegression | None = None
    platt: tuple[float, float] = (1.0, 0.0)
    thresholds: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    # --- training ---
    def _fit_clf(self, X: Any, y: np.ndarray) -> LogisticRegression:
        clf = LogisticRegression(C=C, solver="liblinear", max_iter=2000, random_state=SEED)
        return clf.fit(X, y)

    def fit(self, texts: Sequence[str], labels: Sequence[int], groups: Sequence[str]) -> DrugsModel:
        docs = [normalize_text(t) for t in texts]
        y = np.asarray(labels, dtype=int)
        hits = self.features.hits(docs)
        self.features.fit(docs)
        X = self.features.transform(docs, hits)
        # out-of-fold decision values, grouped by family, for calibration and thresholds
        oof = np.zeros(len(y))
        n_folds = min(FOLDS, len(set(groups)))
        if n_folds >= 2:
            for train_idx, test_idx in GroupKFold(n_splits=n_folds).split(X, y, groups):
                fold = self._fit_clf(X[train_idx], y[train_idx])
                oof[test_idx] = fold.decision_function(X[test_idx])
            platt = LogisticRegression(C=1e4, solver="lbfgs").fit(oof.reshape(-1, 1), y)
            self.platt = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
            oof_p = _logit(self.platt[0] * oof + self.platt[1])
            escalate = precision_threshold(oof_p, y, 0.95)
            self.thresholds = {
                "escalate": escalate,
                "review": min(recall_threshold(oof_p, y, 0.97), escalate),
            }
        self.clf = self._fit_clf(X, y)
        return self

    # --- scoring ---
    def decision(self, docs: Sequence[Document]) -> tuple[np.ndarray, Any, list[LexiconScore]]:
        if self.clf is None:
            raise ValueError("model is not trained")
        texts = [d.folded for d in docs]
        words = [WORD_RE.findall(text) for text in texts]  # tokenised once for both
        hits = self.features.hits(docs, words)
        grams = self.features.ngrams.transform(texts, words)
        dense = self.features.dense(docs, hits)
        # the linear score without stacking matrices or sklearn's input validation (cheap
        # enough to score one post at a time)
        coef = self.clf.coef_[0]
        n = grams.shape[1]
        decision = grams @ coef[:n] + dense @ coef[n:] + self.clf.intercept_[0]
        return np.asarray(decision).ravel(), grams, hits

    def proba(self, decision: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return _logit(a * decision + b)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.proba(self.decision([normalize_text(t) for t in texts])[0])

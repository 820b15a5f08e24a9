"""Evaluation: precision / recall / F1 overall and by language, kind and obfuscation, the
confusion matrix, false positives on hard negatives, and the keyword baseline side by side;
plus the obfuscation stress test on a seeded perturbed copy of the rows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from narcowatch.classify.base import Classifier
from narcowatch.classify.corpus.build import FOCUS
from narcowatch.classify.perturb import perturb
from narcowatch.normalize.text import normalize_text

STRESS_SEED = 7
BATCH = 512


def prf(labels: Sequence[int], preds: Sequence[int]) -> dict[str, Any]:
    tp = sum(1 for y, p in zip(labels, preds, strict=True) if y == 1 and p == 1)
    fp = sum(1 for y, p in zip(labels, preds, strict=True) if y == 0 and p == 1)
    fn = sum(1 for y, p in zip(labels, preds, strict=True) if y == 1 and p == 0)
    tn = len(labels) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return {
        "n": len(labels),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "fpr": round(fpr, 4),
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
    }


def scores(classifier: Classifier, texts: Sequence[str]) -> list[float]:
    out: list[float] = []
    for i in range(0, len(texts), BATCH):
        docs = [normalize_text(t) for t in texts[i : i + BATCH]]
        out.extend(det.score for det in classifier.classify_many(docs))
    return out


def breakdown(rows: Sequence[dict[str, Any]], preds: Sequence[int]) -> dict[str, Any]:
    labels = [int(r["label"]) for r in rows]
    result: dict[str, Any] = {"overall": prf(labels, preds)}
    for key in ("lang", "kind", "obfuscation"):
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            value = str(row.get(key) or "-")
            # a row obfuscated several ways counts under each way ("leet+lookalike")
            for name in value.split("+") if key == "obfuscation" else [value]:
                groups.setdefault(name, []).append(i)
        result[f"by_{key}"] = {
            name: prf([labels[i] for i in idx], [preds[i] for i in idx])
            for name, idx in sorted(groups.items())
        }
    negatives = [i for i, y in enumerate(labels) if y == 0]
    result["hard_negative_fpr"] = (
        round(sum(preds[i] for i in negatives) / len(negatives), 4) if negatives else 0.0
    )
    return result


def evaluate(
    classifier: Classifier, rows: Sequence[dict[str, Any]], baseline: Classifier | None = None
) -> dict[str, Any]:
    texts = [str(r["text"]) for r in rows]
    model_scores = scores(classifier, texts)
    report = {
        "classifier": classifier.name,
        **breakdown(rows, [int(s >= 0.5) for s in model_scores]),
    }
    thresholds = getattr(classifier, "thresholds", {})
    labels = [int(r["label"]) for r in rows]
    report["thresholds"] = {
        name: {"threshold": round(t, 4), **prf(labels, [int(s >= t) for s in model_scores])}
        for name, t in thresholds.items()
    }
    if baseline is not None:
        base = breakdown(rows, [int(s >= 0.5) for s in scores(baseline, texts)])
        report["baseline"] = {"classifier": baseline.name, **base}
    return report


def perturbed_copy(rows: Sequence[dict[str, Any]], seed: int = STRESS_SEED) -> list[dict[str, Any]]:
    """Every row obfuscated (look-alikes, separators, leetspeak, emoji...), reproducibly."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        text, style = perturb(str(row["text"]), rng, rate=0.3, focus=FOCUS)
        out.append({**row, "text": text, "obfuscation": style})
    return out


def stress_test(
    classifier: Classifier, rows: Sequence[dict[str, Any]], baseline: Classifier | None = None
) -> dict[str, Any]:
    clean = evaluate(classifier, rows, baseline)
    perturbed = evaluate(classifier, perturbed_copy(rows), baseline)
    summary = {
        "clean_f1": clean["overall"]["f1"],
        "perturbed_f1": perturbed["overall"]["f1"],
        "drop_points": round(100 * (clean["overall"]["f1"] - perturbed["overall"]["f1"]), 2),
    }
    if baseline is not None:
        summary["baseline_perturbed_f1"] = perturbed["baseline"]["overall"]["f1"]
        summary["margin_over_baseline_points"] = round(
            100 * (perturbed["overall"]["f1"] - perturbed["baseline"]["overall"]["f1"]), 2
        )
    return {"clean": clean, "perturbed": perturbed, "summary": summary}

"""Quality of the drugs classifier on the frozen test split: clean, perturbed, keyword baseline.

Run: .venv/bin/python bench/classify_eval.py [--data-dir DIR] [--json]
Trains drugs.v1 into a fresh directory when none is given (fixed seed: same figures every run).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from narcowatch.classify.artefact import load_corpus, load_model
from narcowatch.classify.baseline import KeywordBaseline
from narcowatch.classify.drugs import DrugsClassifier
from narcowatch.classify.evaluation import stress_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="nw-eval-"))
    started = time.perf_counter()
    model = load_model(data_dir)
    clf = DrugsClassifier(data_dir)
    rows = [r for r in load_corpus() if r["split"] == "test"]
    report = stress_test(clf, rows, KeywordBaseline())
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    clean, pert = report["clean"], report["perturbed"]
    print(f"python {sys.version.split()[0]} on {platform.platform()}")
    print(
        f"{clf.name}: trained on {model.meta.get('train_rows')} rows; test split {len(rows)} rows"
    )
    print(f"thresholds: {json.dumps({k: round(v, 4) for k, v in clf.thresholds.items()})}")
    for name, rep in (("clean", clean), ("perturbed", pert)):
        o, b = rep["overall"], rep["baseline"]["overall"]
        langs = ", ".join(
            f"{k} {v['f1']:.3f}"
            if v["confusion"]["tp"] + v["confusion"]["fn"]
            else f"{k} FPR {v['fpr']:.3f}"
            for k, v in rep["by_lang"].items()
        )
        print(
            f"{name:>9}: P={o['precision']:.4f} R={o['recall']:.4f} F1={o['f1']:.4f}"
            f"  hard-negative FPR={rep['hard_negative_fpr']:.4f}  keywords F1={b['f1']:.4f}"
        )
        print(f"{'':>9}  F1 by language: {langs}")
        for t, m in rep["thresholds"].items():
            print(
                f"{'':>9}  {t} >= {m['threshold']:.3f}: P={m['precision']:.4f} R={m['recall']:.4f}"
            )
    print("summary:", json.dumps(report["summary"]))
    print(f"elapsed {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()

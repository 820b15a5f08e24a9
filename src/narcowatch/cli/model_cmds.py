"""`train` and `eval`: build the drugs classifier, learn from verdicts, measure a version.

Registered through ``classify_cmds`` (the detection engineer's command group).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from narcowatch.cli.common import console, open_runtime, user_errors

DataDir = Annotated[str | None, typer.Option("--data-dir", help="Data directory.")]


def _test_rows() -> list[dict[str, Any]]:
    from narcowatch.classify.artefact import load_corpus

    return [r for r in load_corpus() if r.get("split") == "test"]


def _table(report: dict[str, Any]) -> None:
    def line(name: str, m: dict[str, Any], base: dict[str, Any] | None = None) -> str:
        c = m["confusion"]
        if c["tp"] + c["fn"] == 0:  # negatives only: the false-positive rate is what matters
            text = f"  {name:<14} n={m['n']:<5} false positives={m['fpr']:.3f}"
            return text + (f"   | keywords={base['fpr']:.3f}" if base else "")
        text = (
            f"  {name:<14} n={m['n']:<5} P={m['precision']:.3f} R={m['recall']:.3f}"
            f" F1={m['f1']:.3f}"
        )
        return text + (f"   | keywords F1={base['f1']:.3f}" if base else "")

    base = report.get("baseline")
    print(f"classifier {report['classifier']}")
    print(line("overall", report["overall"], base and base["overall"]))
    for key in ("by_lang", "by_kind", "by_obfuscation"):
        print(f" {key[3:]}:")
        for name, m in report[key].items():
            print(line(name, m, base and base[key].get(name)))
    c = report["overall"]["confusion"]
    print(f" confusion: tp={c['tp']} fp={c['fp']} fn={c['fn']} tn={c['tn']}")
    print(f" false-positive rate on hard negatives: {report['hard_negative_fpr']:.4f}")
    for name, t in report.get("thresholds", {}).items():
        figures = f"precision={t['precision']:.3f} recall={t['recall']:.3f}"
        print(f" threshold {name}={t['threshold']:.3f}: {figures}")


def evaluate_cmd(
    path: Annotated[
        Path | None, typer.Argument(help="JSONL with text, label (lang, kind optional).")
    ] = None,
    classifier: Annotated[
        str, typer.Option("--classifier", help="Registered classifier.")
    ] = "drugs",
    version: Annotated[str | None, typer.Option(help="Model version (default: current).")] = None,
    stress: Annotated[bool, typer.Option("--stress", help="Also a perturbed copy.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
    data_dir: DataDir = None,
) -> None:
    """P/R/F1 overall and by language, kind, obfuscation, beside the keyword baseline."""
    from narcowatch.classify.artefact import read_rows
    from narcowatch.classify.baseline import KeywordBaseline
    from narcowatch.classify.evaluation import evaluate, stress_test
    from narcowatch.cli.classify_cmds import load_classifier

    with user_errors():
        rows = read_rows(path) if path else _test_rows()
        model = load_classifier(classifier, data_dir, version)
        if stress:
            report = stress_test(model, rows, KeywordBaseline())
            if as_json:
                print(json.dumps(report, ensure_ascii=False, indent=2))
                return
            print("== clean ==")
            _table(report["clean"])
            print("== perturbed (seeded look-alikes, separators, leetspeak, emoji...) ==")
            _table(report["perturbed"])
            print("summary:", json.dumps(report["summary"]))
            return
        report = evaluate(model, rows, KeywordBaseline())
        if as_json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            _table(report)


def train(
    with_verdicts: Annotated[
        bool, typer.Option("--with-verdicts", help="Add analysts' verdicts; promote if no worse.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Train drugs.v1 from the corpus (fixed seed), or a new version with analysts' verdicts."""
    from narcowatch.classify import artefact
    from narcowatch.classify.drugs import DrugsClassifier
    from narcowatch.classify.evaluation import evaluate
    from narcowatch.classify.verdicts import verdict_rows

    with user_errors():
        rt = open_runtime(data_dir)
        root = rt.settings.data_dir
        extra = verdict_rows(rt.db) if with_verdicts else []
        version = artefact.next_version(root) if with_verdicts else artefact.BASE_VERSION
        console.print(f"training {version} ({len(extra)} verdicts)...")
        model = artefact.train_model(extra, version=version)
        target = artefact.save_model(model, root)
        console.print(f"saved {target} in {model.meta['train_seconds']}s")
        rows = _test_rows()
        new = evaluate(DrugsClassifier(root, version), rows)
        print(
            f"{version}: test F1={new['overall']['f1']:.4f} (frozen test split, {len(rows)} rows)"
        )
        if not with_verdicts:
            if artefact.current_version(root) == artefact.BASE_VERSION:
                artefact.promote(root, version)
            return
        current = artefact.current_version(root)
        old = evaluate(DrugsClassifier(root, current), rows)
        print(f"{current}: test F1={old['overall']['f1']:.4f}")
        if new["overall"]["f1"] >= old["overall"]["f1"]:
            artefact.promote(root, version)
            print(f"promoted {version}")
        else:
            print(f"kept {current}: {version} is worse on the frozen test split")

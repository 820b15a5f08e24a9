"""Evaluation figures, the stress test's perturbed copy, and the keyword baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from narcowatch.classify.baseline import KeywordBaseline
from narcowatch.classify.drugs import DrugsClassifier
from narcowatch.classify.evaluation import perturbed_copy, prf, stress_test
from narcowatch.normalize.text import normalize_text

ROWS = [
    {
        "text": "Меф и шишки, закладки по Алматы 24/7, оператор @snow_op",
        "label": 1,
        "lang": "ru",
        "kind": "sale_ad",
    },
    {
        "text": "Сатамын қарасора, жасырын орын, координаттарды ботта аласыз",
        "label": 1,
        "lang": "kk",
        "kind": "sale_ad",
    },
    {
        "text": "weed and coke, dead drops in Astana, dm to order",
        "label": 1,
        "lang": "en",
        "kind": "sale_ad",
    },
    {
        "text": "Работа закладчиком, выплаты ежедневно, пиши @job_op",
        "label": 1,
        "lang": "ru",
        "kind": "recruitment",
    },
    {
        "text": "Полиция задержала закладчика, изъято 2 кг мефедрона",
        "label": 0,
        "lang": "ru",
        "kind": "news",
    },
    {
        "text": "Фен для волос Philips, 2200 Вт, новый",
        "label": 0,
        "lang": "ru",
        "kind": "legal_product",
    },
    {"text": "Дәріханада витаминдерге жеңілдік", "label": 0, "lang": "kk", "kind": "pharmacy"},
    {
        "text": "Glovo couriers wanted, weekly pay, official contract",
        "label": 0,
        "lang": "en",
        "kind": "legit_job",
    },
]


def test_prf_and_confusion() -> None:
    m = prf([1, 1, 0, 0, 1], [1, 0, 0, 1, 1])
    assert m["confusion"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 1}
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert prf([0, 0], [0, 0])["f1"] == 0.0


def test_perturbed_copy_is_seeded_and_obfuscated() -> None:
    a, b = perturbed_copy(ROWS), perturbed_copy(ROWS)
    assert a == b
    assert sum(x["text"] != y["text"] for x, y in zip(a, ROWS, strict=True)) >= 6
    assert all(r["obfuscation"] != "none" for r in a)
    assert [r["label"] for r in a] == [r["label"] for r in ROWS]


def test_stress_test_learned_model_beats_keywords(model_dir: Path) -> None:
    report = stress_test(DrugsClassifier(model_dir), ROWS, KeywordBaseline())
    clean, perturbed = report["clean"], report["perturbed"]
    assert clean["overall"]["f1"] == 1.0
    assert set(clean["by_lang"]) == {"ru", "kk", "en"}
    assert clean["hard_negative_fpr"] == 0.0
    assert perturbed["overall"]["f1"] >= perturbed["baseline"]["overall"]["f1"]
    assert {"escalate", "review"} == set(clean["thresholds"])
    assert report["summary"]["clean_f1"] == 1.0


def test_keyword_baseline_is_blind_to_obfuscation() -> None:
    base = KeywordBaseline()
    assert base.classify(normalize_text("меф закладки 24/7")).label == 1
    assert base.classify(normalize_text("м.е.ф з.а.к.л.а.д.к.и 24/7")).label == 0

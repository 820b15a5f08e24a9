"""Training is reproducible; versions are saved, promoted and refused when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from narcowatch.classify import artefact
from narcowatch.classify.model import (
    DrugsModel,
    precision_threshold,
    recall_threshold,
    stage2_inputs,
)
from narcowatch.errors import ClassifyError
from narcowatch.normalize.text import normalize_text


def small_rows() -> list[dict]:
    rows = [r for r in artefact.load_corpus() if r["split"] == "train"]
    return rows[::8]


def test_same_seed_same_model() -> None:
    rows = small_rows()
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    groups = [r["family"] for r in rows]
    a = DrugsModel().fit(texts, labels, groups)
    b = DrugsModel().fit(texts, labels, groups)
    probe = texts[:50]
    assert np.array_equal(a.predict_proba(probe), b.predict_proba(probe))
    assert a.thresholds == b.thresholds


def test_second_stage_fast_path_is_its_definition() -> None:
    rows = small_rows()
    model = DrugsModel().fit(
        [r["text"] for r in rows], [r["label"] for r in rows], [r["family"] for r in rows]
    )
    assert model.stage2 is not None and len(model.stage2) == 4
    docs = [normalize_text(r["text"]) for r in rows[:80]]
    log_odds, grams, hits = model.decision(docs)
    dense = model.features.dense(docs, hits)
    assert model.clf is not None
    coef = model.clf.coef_[0]
    first = (
        grams @ coef[: grams.shape[1]] + dense @ coef[grams.shape[1] :] + model.clf.intercept_[0]
    )
    *weights, intercept = model.stage2
    expected = stage2_inputs(np.asarray(first).ravel(), dense) @ np.asarray(weights) + intercept
    assert np.allclose(log_odds, expected)


def test_thresholds_meet_their_targets() -> None:
    rng = np.random.default_rng(0)
    labels = np.array([1] * 200 + [0] * 200)
    scores = np.clip(labels * 0.6 + rng.normal(0.2, 0.15, 400), 0, 1)
    t_rec = recall_threshold(scores, labels, 0.97)
    assert (scores[labels == 1] >= t_rec).mean() >= 0.97
    t_prec = precision_threshold(scores, labels, 0.95)
    assert labels[scores >= t_prec].mean() >= 0.95


def test_save_load_promote_and_damaged_artefacts(tmp_path: Path) -> None:
    rows = small_rows()
    model = DrugsModel(version="drugs.v2").fit(
        [r["text"] for r in rows], [r["label"] for r in rows], [r["family"] for r in rows]
    )
    model.meta = {"version": "drugs.v2"}
    artefact.save_model(model, tmp_path)
    assert artefact.next_version(tmp_path) == "drugs.v3"
    assert artefact.current_version(tmp_path) == "drugs.v1"
    artefact.promote(tmp_path, "drugs.v2")
    assert artefact.current_version(tmp_path) == "drugs.v2"
    loaded = artefact.load_model(tmp_path)
    assert loaded.version == "drugs.v2"
    assert json.loads((tmp_path / "models" / "drugs.v2" / "meta.json").read_text())
    (tmp_path / "models" / "drugs.v2" / "model.pkl").write_bytes(b"not a model")
    with pytest.raises(ClassifyError) as err:
        artefact.load_model(tmp_path)
    assert err.value.code == "E240"
    with pytest.raises(ClassifyError) as err:
        artefact.load_model(tmp_path, "drugs.v9")
    assert err.value.code == "E241"


def test_labelled_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b"}\n', encoding="utf-8")
    with pytest.raises(ClassifyError, match="line 2"):
        artefact.read_rows(path)
    with pytest.raises(ClassifyError) as err:
        artefact.read_rows(tmp_path / "absent.jsonl")
    assert err.value.code == "E231"


def test_a_new_data_directory_reuses_the_built_base_model(model_dir: Path, tmp_path: Path) -> None:
    first = artefact.load_model(model_dir)
    other = artefact.load_model(tmp_path / "other")  # no training: same corpus, same code
    assert (tmp_path / "other" / "models" / "drugs.v1" / "model.pkl").is_file()
    probe = ["меф закладки 24/7", "фен для волос"]
    assert np.array_equal(first.predict_proba(probe), other.predict_proba(probe))

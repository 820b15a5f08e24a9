"""The demo is not the training data: its texts do not come from the classifier's corpus."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from narcowatch.demo.generate import TRUTH_FILE, generate
from narcowatch.paths import data_root

CORPUS = data_root() / "corpus" / "corpus.jsonl"
RUN = 6  # words in a row that would betray a shared template


def _runs(text: str) -> set[str]:
    words = text.lower().split()
    return {" ".join(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


@pytest.mark.skipif(not CORPUS.is_file(), reason="no training corpus in data/corpus")
def test_demo_texts_share_no_templates_with_the_training_corpus(tmp_path: Path) -> None:
    corpus = [json.loads(line)["text"] for line in CORPUS.read_text("utf-8").splitlines() if line]
    corpus_texts = {text.strip().lower() for text in corpus}
    corpus_runs = set().union(*(_runs(text) for text in corpus))
    generate(tmp_path, seed=1, size=1500, end=date(2026, 5, 1))
    demo = [
        json.loads(line)["text"] for line in (tmp_path / TRUTH_FILE).read_text("utf-8").splitlines()
    ]
    copied = [t for t in demo if len(t.split()) > 3 and t.strip().lower() in corpus_texts]
    assert copied == []
    sharing = [t for t in demo if _runs(t) & corpus_runs]
    assert len(sharing) <= 0.005 * len(demo), sharing[:5]

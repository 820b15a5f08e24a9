"""The committed corpus is what the seeded generator produces, and meets the issue's mix."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from narcowatch.classify.corpus.build import build_corpus, corpus_path, templates_dir

NEGATIVE_KINDS = {
    "news",
    "warning",
    "medical",
    "pharmacy",
    "legal_product",
    "legit_job",
    "crypto_ad",
    "casual",
    "spam",
    "shop_front",
    "online_shop",
}
POSITIVE_KINDS = {
    "sale_ad",
    "shop_promo",
    "recruitment",
    "graffiti",
    "bot_desc",
    "classified",
    "pharma_sale",
    "rotation",
}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with corpus_path().open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_committed_corpus_is_reproducible_from_the_generator(rows: list[dict]) -> None:
    assert build_corpus() == rows


def test_size_language_mix_and_balance(rows: list[dict]) -> None:
    assert len(rows) >= 4000
    share = {k: v / len(rows) for k, v in Counter(r["lang"] for r in rows).items()}
    assert share["ru"] >= 0.35 and share["kk"] >= 0.20 and share["en"] >= 0.15
    assert share["mixed"] > 0.15
    labels = Counter(r["label"] for r in rows)
    assert labels[0] >= labels[1] > 1500


def test_every_kind_is_present_in_train_and_test(rows: list[dict]) -> None:
    for split in ("train", "test"):
        kinds = {r["kind"] for r in rows if r["split"] == split}
        assert kinds >= POSITIVE_KINDS | NEGATIVE_KINDS, split
    assert {r["kind"] for r in rows if r["label"] == 1} == POSITIVE_KINDS | {"hand_written"}


def test_split_is_by_family_never_by_row(rows: list[dict]) -> None:
    split_of: dict[str, set[str]] = {}
    for r in rows:
        split_of.setdefault(r["family"], set()).add(r["split"])
    assert all(len(s) == 1 for s in split_of.values())
    test_share = sum(r["split"] == "test" for r in rows) / len(rows)
    assert 0.2 <= test_share <= 0.4
    for lang in ("ru", "kk", "en", "mixed"):
        assert any(r["split"] == "test" and r["lang"] == lang for r in rows)


def test_obfuscated_rows_exist_for_both_labels(rows: list[dict]) -> None:
    obfuscated = [r for r in rows if r["obfuscation"] != "none"]
    assert len(obfuscated) > 300
    assert {r["label"] for r in obfuscated} == {0, 1}


def test_templates_are_documented() -> None:
    assert (templates_dir().parent / "README.md").read_text(encoding="utf-8").count("synthetic")
    assert len(list(templates_dir().glob("*.yaml"))) == 6

"""A drugs model trained once per test session (the real training, ~15 s of CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

from narcowatch.classify.artefact import load_model


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nw-data")
    load_model(root)  # absent -> trained from the corpus and saved, as on first use
    return root

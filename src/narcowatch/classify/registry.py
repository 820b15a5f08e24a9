"""Named, versioned classifiers. ``get_classifier("lexicon")`` returns a ready instance."""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from pathlib import Path

from narcowatch.classify.base import Classifier
from narcowatch.errors import ClassifyError

CLASSIFIERS: dict[str, str] = {
    "lexicon": "narcowatch.classify.lexicon:LexiconClassifier",
    "drugs": "narcowatch.classify.drugs:DrugsClassifier",
    "keywords": "narcowatch.classify.baseline:KeywordBaseline",
}


@cache
def get_classifier(name: str, data_dir: Path | None = None) -> Classifier:
    """``data_dir`` reaches classifiers with artefacts (drugs); others ignore it."""
    target = CLASSIFIERS.get(name)
    if target is None:
        known = ", ".join(sorted(CLASSIFIERS))
        raise ClassifyError(f"unknown classifier {name!r} (known: {known})", code="E201")
    module, _, attr = target.partition(":")
    factory = getattr(importlib.import_module(module), attr)
    if data_dir is not None and "data_dir" in inspect.signature(factory).parameters:
        return factory(data_dir=data_dir)
    return factory()

"""Versioned model artefacts under ``<data_dir>/models/``: build, save, load, promote.

``models/drugs.v1/`` holds ``model.pkl`` (the pickled ``DrugsModel``; only ever loaded from
the operator's own data directory, never from the network) and ``meta.json`` (version, seed,
corpus hash, metrics). ``models/CURRENT`` names the promoted version; without it ``drugs.v1``
is used and trained from the project corpus on first use (well under a minute).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import random
import time
from pathlib import Path
from typing import Any

from narcowatch.classify.corpus.build import FOCUS, corpus_path, write_corpus
from narcowatch.classify.lexicon_data import lexicon_dir
from narcowatch.classify.model import SEED, DrugsModel
from narcowatch.classify.perturb import perturb
from narcowatch.errors import ClassifyError

log = logging.getLogger(__name__)
BASE_VERSION = "drugs.v1"
_BUILT: dict[str, DrugsModel] = {}
AUGMENT_SHARE = 0.3


def models_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "models"


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a labelled JSONL file; ClassifyError (E230) names the bad line."""
    rows = []
    try:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as exc:
                    raise ClassifyError(f"{path}: line {number} is not JSON", code="E230") from exc
                if not isinstance(row, dict) or not isinstance(row.get("text"), str):
                    raise ClassifyError(f"{path}: line {number} has no 'text'", code="E230")
                if row.get("label") not in (0, 1, True, False):
                    raise ClassifyError(f"{path}: line {number} needs 'label' 0 or 1", code="E230")
                row["label"] = int(row["label"])
                rows.append(row)
    except FileNotFoundError as exc:
        raise ClassifyError(f"{path}: no such file", code="E231") from exc
    except UnicodeDecodeError as exc:
        raise ClassifyError(f"{path}: not UTF-8 text", code="E230") from exc
    return rows


def load_corpus() -> list[dict[str, Any]]:
    path = corpus_path()
    if not path.exists():
        write_corpus(path)
    return read_rows(path)


def augment(rows: list[dict[str, Any]], share: float = AUGMENT_SHARE) -> list[dict[str, Any]]:
    """Obfuscated copies of a seeded sample of rows, both labels alike, so that the model learns
    to read through obfuscation instead of taking obfuscation itself for the drug signal."""
    rng = random.Random(SEED + 1)
    picked = [r for r in rows if rng.random() < share]
    return [{**r, "text": perturb(r["text"], rng, rate=0.25, focus=FOCUS)[0]} for r in picked]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def train_model(
    extra_rows: list[dict[str, Any]] | None = None, version: str = BASE_VERSION
) -> DrugsModel:
    """Fit on the corpus train split (plus ``extra_rows``, e.g. analyst verdicts)."""
    rows = [r for r in load_corpus() if r.get("split") == "train"]
    rows += extra_rows or []
    rows += augment(rows)
    started = time.perf_counter()
    model = DrugsModel(version=version).fit(
        [r["text"] for r in rows],
        [r["label"] for r in rows],
        [str(r.get("family") or f"extra-{i}") for i, r in enumerate(rows)],
    )
    model.meta = {
        "version": version,
        "seed": SEED,
        "corpus_sha256": _sha256(corpus_path()),
        "train_rows": len(rows),
        "extra_rows": len(extra_rows or []),
        "train_seconds": round(time.perf_counter() - started, 2),
        "thresholds": model.thresholds,
        "platt": list(model.platt),
        "stage2": list(model.stage2) if model.stage2 is not None else None,
    }
    return model


def save_model(model: DrugsModel, data_dir: Path) -> Path:
    target = models_dir(data_dir) / model.version
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.pkl.tmp"
    with tmp.open("wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(target / "model.pkl")  # atomic: a reader never sees half a model
    (target / "meta.json").write_text(json.dumps(model.meta, indent=2, ensure_ascii=False))
    return target


def current_version(data_dir: Path) -> str:
    pointer = models_dir(data_dir) / "CURRENT"
    if pointer.exists():
        name = pointer.read_text(encoding="utf-8").strip()
        if name:
            return name
    return BASE_VERSION


def promote(data_dir: Path, version: str) -> None:
    pointer = models_dir(data_dir) / "CURRENT"
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(version + "\n", encoding="utf-8")
    tmp.replace(pointer)


def next_version(data_dir: Path) -> str:
    known = [p.name for p in models_dir(data_dir).glob("drugs.v*") if p.is_dir()]
    numbers = [int(n.removeprefix("drugs.v")) for n in known if n.removeprefix("drugs.v").isdigit()]
    return f"drugs.v{max([1, *numbers]) + 1}"


def load_model(data_dir: Path, version: str | None = None) -> DrugsModel:
    """The requested (default: current) version; the base version is trained if absent."""
    version = version or current_version(data_dir)
    path = models_dir(data_dir) / version / "model.pkl"
    if path.exists():
        try:
            with path.open("rb") as fh:
                model = pickle.load(fh)  # our own artefact, in the operator's data dir
        except Exception as exc:  # a truncated or foreign file: say so, do not guess
            raise ClassifyError(
                f"model artefact {path} cannot be read ({exc}); delete it and run "
                "`narcowatch train`",
                code="E240",
            ) from exc
        if not isinstance(model, DrugsModel):
            raise ClassifyError(f"{path} is not a narcowatch model", code="E240")
        return model
    if version != BASE_VERSION:
        raise ClassifyError(f"model version {version} not found under {path.parent}", code="E241")
    model = _base_model()
    save_model(model, data_dir)
    return model


def build_cache_dir() -> Path:
    """Where a base model built from the shipped corpus is kept for other data directories."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "narcowatch" / "models"


def _base_model() -> DrugsModel:
    """The base version for this corpus: from this process, the build cache, or trained now.

    Training is deterministic, so a model built from the same corpus bytes (and code version)
    is the same model whichever data directory asked first; caching it saves ~15 s of CPU per
    new data directory (tests, demos).
    """
    key = f"{BASE_VERSION}-{_sha256(corpus_path())[:16]}-{_code_version()}"
    if key in _BUILT:
        return _BUILT[key]
    cached = build_cache_dir() / key / "model.pkl"
    model: DrugsModel | None = None
    if cached.exists():
        try:
            with cached.open("rb") as fh:
                loaded = pickle.load(fh)  # built by this code from the shipped corpus
            model = loaded if isinstance(loaded, DrugsModel) else None
        except Exception:  # a damaged cache entry is rebuilt, never trusted
            model = None
    if model is None:
        log.warning("no %s artefact: training it from the corpus now", BASE_VERSION)
        model = train_model()
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(cached)
        except OSError as exc:  # a read-only home is fine: the data directory keeps its copy
            log.info("model build cache not written: %s", exc)
    _BUILT[key] = model
    return model


def _code_version() -> str:
    """Changes whenever the feature or model code changes (their source bytes)."""
    from narcowatch.classify import features, model, ngrams

    digest = hashlib.sha256()
    for module in (features, model, ngrams):
        digest.update(Path(module.__file__ or "").read_bytes())
    for path in sorted(lexicon_dir().glob("*.yaml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]

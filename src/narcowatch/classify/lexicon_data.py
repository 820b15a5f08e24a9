"""The lexicon as data: load and validate ``data/lexicon/{ru,kk,en}.yaml``.

Terms live in YAML so that analysts can review and extend them without touching code; this
module turns the files into typed ``LexiconEntry`` objects and refuses malformed files with a
clear ``ClassifyError`` naming the file and the entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from narcowatch.errors import ClassifyError
from narcowatch.paths import data_root

CATEGORIES = frozenset(
    {
        "substance",
        "sale",
        "delivery",
        "shop",
        "recruitment",
        "payment",
        "emoji",
        "context_negative",
    }
)
LANGUAGES = ("ru", "kk", "en")
_ALLOWED_KEYS = {
    "term",
    "canonical",
    "category",
    "weight",
    "variants",
    "note",
    "ambiguous",
    "pattern",
}


@dataclass(frozen=True)
class LexiconEntry:
    """One lexicon term; ``variants`` use ``*`` at the end of a word for a stem."""

    term: str
    canonical: str
    category: str
    weight: float
    variants: tuple[str, ...] = ()
    note: str = ""
    lang: str = ""
    ambiguous: bool = False
    pattern: str = ""
    compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @property
    def is_negative(self) -> bool:
        return self.weight < 0

    @cached_property
    def note_(self) -> str:
        """The note a reason from this entry carries."""
        return f"{self.lang} lexicon: {self.canonical}"


def lexicon_dir() -> Path:
    return data_root() / "lexicon"


def _fail(path: Path, index: int | None, problem: str) -> ClassifyError:
    where = f"{path}" if index is None else f"{path}, entry {index + 1}"
    return ClassifyError(f"lexicon {where}: {problem}", code="E210", path=str(path))


def _entry(path: Path, lang: str, index: int, raw: Any) -> LexiconEntry:
    if not isinstance(raw, dict):
        raise _fail(path, index, "an entry must be a mapping with term, category, weight")
    unknown = set(raw) - _ALLOWED_KEYS
    if unknown:
        raise _fail(path, index, f"unknown keys {sorted(unknown)}")
    term = raw.get("term")
    if not isinstance(term, str) or not term.strip():
        raise _fail(path, index, "'term' must be a non-empty string")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise _fail(
            path, index, f"'category' must be one of {sorted(CATEGORIES)}, not {category!r}"
        )
    weight = raw.get("weight")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not -5 <= weight <= 5:
        raise _fail(path, index, f"'weight' must be a number in [-5, 5], not {weight!r}")
    if (weight < 0) != (category == "context_negative"):
        raise _fail(path, index, "negative weights belong to category context_negative only")
    variants = raw.get("variants", [])
    if not isinstance(variants, list) or not all(isinstance(v, str) and v for v in variants):
        raise _fail(path, index, "'variants' must be a list of non-empty strings")
    pattern = raw.get("pattern") or ""
    compiled = None
    if pattern:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise _fail(path, index, f"'pattern' is not a valid regular expression: {exc}") from exc
    canonical = raw.get("canonical") or term
    return LexiconEntry(
        term=term,
        canonical=str(canonical),
        category=category,
        weight=float(weight),
        variants=tuple([term, *variants]) if not pattern else tuple(variants),
        note=str(raw.get("note") or ""),
        lang=lang,
        ambiguous=bool(raw.get("ambiguous", False)),
        pattern=pattern,
        compiled=compiled,
    )


def load_lexicon_file(path: Path) -> list[LexiconEntry]:
    """Entries of one YAML file; raises ``ClassifyError`` (E210) on anything malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise _fail(path, None, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise _fail(path, None, "not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise _fail(path, None, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise _fail(path, None, "expected a mapping with an 'entries' list")
    lang = str(data.get("lang") or path.stem)
    return [_entry(path, lang, i, raw) for i, raw in enumerate(data["entries"])]


@cache
def _load_cached(paths: tuple[Path, ...]) -> tuple[LexiconEntry, ...]:
    entries: list[LexiconEntry] = []
    for path in paths:
        entries.extend(load_lexicon_file(path))
    return tuple(entries)


def load_lexicon(paths: Sequence[Path] | None = None) -> list[LexiconEntry]:
    """All entries of the given files (default: the project's ru, kk and en lexicons)."""
    if paths is None:
        paths = [lexicon_dir() / f"{lang}.yaml" for lang in LANGUAGES]
    return list(_load_cached(tuple(Path(p) for p in paths)))

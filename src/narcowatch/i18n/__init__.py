"""UI text in Russian, Kazakh and English: ``t(key, lang)``.

Catalogues are ``i18n/{ru,kk,en}.yaml`` (nested mappings flattened to dotted keys, e.g.
``review.confirm``). An area may keep its keys in ``i18n/<area>/{ru,kk,en}.yaml`` instead,
to avoid editing the shared files; those keys must start with ``<area>.``. A test checks
that every key exists in every language. A missing key falls back to English, then to
the key itself (logged), so a forgotten string never breaks a page.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from narcowatch.errors import NarcowatchError

log = logging.getLogger(__name__)

LANGS: tuple[str, ...] = ("ru", "kk", "en")
LANG_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
FALLBACK = "en"
CATALOGUE_DIR = Path(__file__).parent


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, full + "."))
        else:
            flat[full] = "" if value is None else str(value)
    return flat


def _load(path: Path, required_prefix: str = "") -> dict[str, str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise NarcowatchError(f"catalogue {path} is not valid YAML: {exc}", code="E701") from exc
    if not isinstance(data, dict):
        raise NarcowatchError(f"catalogue {path} must be a mapping", code="E701")
    flat = _flatten(data)
    bad = [k for k in flat if required_prefix and not k.startswith(required_prefix)]
    if bad:
        raise NarcowatchError(
            f"catalogue {path}: keys must start with {required_prefix!r}: {bad[:5]}", code="E702"
        )
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every key of ``lang``: the main file plus every area's file."""
    merged = _load(CATALOGUE_DIR / f"{lang}.yaml")
    for area_dir in sorted(p for p in CATALOGUE_DIR.iterdir() if p.is_dir()):
        path = area_dir / f"{lang}.yaml"
        if path.exists():
            merged.update(_load(path, required_prefix=f"{area_dir.name}."))
    return merged


def normalize_lang(lang: str | None, default: str = "ru") -> str:
    if lang in LANGS:
        return lang  # type: ignore[return-value]
    return default if default in LANGS else "ru"


def t(key: str, lang: str, **params: Any) -> str:
    """The text for ``key`` in ``lang``; ``params`` fill ``{name}`` placeholders."""
    text = catalogue(normalize_lang(lang)).get(key)
    if text is None:
        text = catalogue(FALLBACK).get(key)
        if text is None:
            log.warning("missing i18n key %r", key)
            return key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            log.warning("i18n key %r: bad placeholders for %s", key, sorted(params))
    return text

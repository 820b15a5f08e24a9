"""Value rules every importer applies: storable text, ids and names that fit their columns.

PostgreSQL refuses NUL characters in text columns, so one hostile message with ``\\u0000``
would otherwise abort a whole import with a database error; columns have length limits, so
long ids are replaced by a hash of themselves rather than cut (cutting could merge two ids).
"""

from __future__ import annotations

from typing import Any

from narcowatch.ids import sha256_hex

MAX_ID = 300  # raw_items.external_id
MAX_NAME = 300  # sources.name, raw_items.author


def clean_text(value: str) -> str:
    """Text with NUL characters replaced by U+FFFD (visible, and storable everywhere)."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def clean_value(value: Any) -> Any:
    """``clean_text`` applied through dicts and lists (for ``meta``)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    return value


def fit_id(value: str) -> str:
    value = clean_text(value)
    return value if len(value) <= MAX_ID else "sha256:" + sha256_hex(value.encode("utf-8"))


def fit_name(value: str) -> str:
    value = clean_text(value).strip()
    return value if len(value) <= MAX_NAME else value[: MAX_NAME - 1] + "…"

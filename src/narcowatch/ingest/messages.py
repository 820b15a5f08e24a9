"""Import errors in the user's language (ru, kk, en) for the front doors.

An ``IngestError`` carries an English message for logs and a code plus details (path, line,
column, byte offset, columns found, guessed encoding...). ``localize`` rebuilds the message
from the ``ingest.*`` catalogue keys in ``i18n/ingest/``, so the web upload form and the bot
can show the same problem in Russian or Kazakh.
"""

from __future__ import annotations

from narcowatch.errors import IngestError
from narcowatch.i18n import t
from narcowatch.ingest.reading import human_size

WHERE_KEYS = ("index", "line", "column", "offset")


def localize(err: IngestError, lang: str) -> str:
    """``E1xx: <problem>`` in ``lang``, with where it is and, for encodings, what to do."""
    details = err.details
    columns = details.get("columns") or []
    params = {
        "path": details.get("path", ""),
        "size": human_size(details["size"]) if "size" in details else "",
        "limit": human_size(details["limit"]) if "limit" in details else "",
        "columns": ", ".join(repr(c) for c in columns) or "-",
        "text_column": repr(details.get("text_column", "text")),
        "fmt": repr(details.get("fmt", "")),
    }
    text = t(f"ingest.errors.{err.code}", lang, **params)
    where = [
        t(f"ingest.where.{key}", lang, **{key: details[key]})
        for key in WHERE_KEYS
        if details.get(key) is not None
    ]
    if where:
        text += " (" + ", ".join(where) + ")"
    if err.code == "E105":
        guess = details.get("guess")
        hint = t("ingest.hints.convert", lang, guess=guess) if guess else None
        text += "; " + (hint or t("ingest.hints.binary", lang))
    return f"{err.code}: {text}"

"""``normalize_text(text) -> Document``: the folded text classifiers and extractors read.

Folding (``fold.py``) sees through look-alike letters, separators, digits used as letters,
stylised Unicode, zero-width and bidi characters and emoji, and keeps an offset map so every
span found in ``folded`` can be highlighted in ``text``. Language id is in ``lang.py``.
"""

from __future__ import annotations

from narcowatch.normalize.document import Document
from narcowatch.normalize.fold import fold
from narcowatch.normalize.lang import detect_lang

NORMALIZER = "fold.v1"
MAX_CHARS = 200_000  # longer texts are cut: a post is never this long, a paste bomb is


def normalize_text(text: str) -> Document:
    """Fold ``text`` (any string; lone surrogates and control characters are tolerated)."""
    if not isinstance(text, str):
        text = str(text or "")
    source = text[:MAX_CHARS]
    result = fold(source)
    signals = dict(result.signals)
    if len(text) > MAX_CHARS:
        signals["truncated_chars"] = len(text) - MAX_CHARS
    return Document(
        text=text,
        folded=result.text,
        lang=detect_lang(result.text),
        offsets=result.offsets,
        normalizer=NORMALIZER,
        signals=signals,
    )


def guess_lang(text: str) -> str:
    """Language of a raw text (kept for callers of the first normaliser)."""
    return detect_lang(fold(text).text)

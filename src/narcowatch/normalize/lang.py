"""Language identification: ru / kk / en / mixed / und.

Cheap letter statistics decide most texts (Kazakh letters, Latin vs Cyrillic share, then the
share of words with Kazakh letters); the lingua detector, restricted to Russian and Kazakh and
built once, is only asked for short Cyrillic texts with Kazakh-looking words but no Kazakh
letter, because it costs ~80 µs (and far more on a busy machine) where the statistics cost ~3 µs.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

_NOISE_RE = re.compile(
    r"@\w+|https?://\S+|\b[\w.-]+\.(?:com|kz|ru|org|net|me|io|onion)\b|emoji_\w+"
)
_NOISE_MARKS = ("@", "://", "emoji_", ".kz", ".com", ".ru", ".org", ".net", ".me", ".io", ".onion")
_DOMAIN_MARKS = _NOISE_MARKS[3:]
# _NOISE_RE without its domain alternative (tried at every word, the costly one), opening with a
# character class: the same substitutions when the text has no domain ending
_NOISE_NO_DOMAIN_RE = re.compile(r"[@he](?:(?<=@)\w+|(?<=h)ttps?://\S+|(?<=e)moji_\w+)")
_CYR_LEADS = (b"\xd0", b"\xd1", b"\xd2", b"\xd3")  # UTF-8 lead bytes of U+0400..U+04FF
_LATIN = b"abcdefghijklmnopqrstuvwxyz"
_KAZ_WORD_RE = re.compile(r"\w*[әғқңөұүһі]\w*")
_CYR_WORD_RE = re.compile(r"[\u0400-\u04ff]+")
_LAT_WORD_RE = re.compile(r"[a-z]{2,}")
_KAZ_SEQS = tuple(ch.encode() for ch in "әғқңөұүһі")
_KAZAKH_WORDS_RE = re.compile(
    r"\b(?:керек|мен|бар|жоқ|деп|бойынша|және|бұл|сатамын|жеткізу|жұмыс|алу|беру|туралы|"
    r"үшін|емес|болады|бізде|сізге|ақша|қала\w*|тез|жаз\w*)\b"
)
MIN_LETTERS = 3
KAZAKH_LETTERS_EXPECTED = 60  # Cyrillic letters after which Kazakh text shows ә ғ қ ң ө ұ ү һ і


@cache
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.RUSSIAN, Language.KAZAKH).build()


def _ask_lingua(folded: str) -> str:
    values = _detector().compute_language_confidence_values(folded)
    if not values:
        return "ru"
    top = values[0]
    second = values[1].value if len(values) > 1 else 0.0
    if top.value < 0.7 and second > 0.25:
        return "mixed"
    return "kk" if top.language.name == "KAZAKH" else "ru"


def detect_lang(folded: str) -> str:
    """Language of an already folded (lower-case, de-obfuscated) text."""
    clean = folded
    if any(map(folded.__contains__, _NOISE_MARKS)):
        domains = any(map(folded.__contains__, _DOMAIN_MARKS))
        clean = (_NOISE_RE if domains else _NOISE_NO_DOMAIN_RE).sub(" ", folded)
    # counting on UTF-8 bytes keeps every step in C (this runs for every post)
    raw = clean.encode("utf-8", errors="replace")
    cyr = sum(raw.count(lead) for lead in _CYR_LEADS)
    lat = len(raw) - len(raw.translate(None, _LATIN))
    kaz = sum(raw.count(seq) for seq in _KAZ_SEQS) if cyr else 0
    letters = cyr + lat
    if letters < MIN_LETTERS:
        return "und"
    if cyr and lat and min(cyr, lat) / letters >= 0.25:
        # two languages, not one brand name ("Фен Philips"): the minority script needs 2+ words
        minority = _LAT_WORD_RE if lat < cyr else _CYR_WORD_RE
        if len(minority.findall(clean)) >= 2:
            return "mixed"
    if lat > cyr:
        return "en"
    share = kaz / cyr
    if share >= 0.04:
        return "kk"
    if kaz == 0:
        # a Kazakh text of some length without a single Kazakh letter does not occur
        if cyr >= KAZAKH_LETTERS_EXPECTED or not _KAZAKH_WORDS_RE.search(clean):
            return "ru"
        return _ask_lingua(clean)
    # a few Kazakh letters: a Kazakh name in a Russian text, or two languages; words tell
    kazakh_words = len(_KAZ_WORD_RE.findall(clean))
    ratio = kazakh_words / max(1, len(_CYR_WORD_RE.findall(clean)))
    if ratio >= 0.35:
        return "kk"
    return "ru" if ratio <= 0.12 else "mixed"

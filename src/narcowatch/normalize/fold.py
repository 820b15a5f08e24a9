"""Folding with an offset map: each folded character remembers its index in the original text.

Passes, cheapest first, each skipped when a quick regex finds nothing to do:
1. per character: NFKC, case folding, stylised letters, zero-width / bidi / variation-selector
   removal, stray combining marks composed or dropped, emoji -> word tokens (`emoji_snow`);
2. letters split by separators joined ("з.а.к.л.а.д.к.и", "м е ф");
3. per word: look-alike letters folded to the word's dominant script and digits used as letters
   read as letters ("мeф", "3акладки", "m3ф");
4. runs of three or more identical letters collapsed ("мееееф").
Plain Cyrillic/ASCII text takes a fast path (``str.lower`` on whole segments).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from narcowatch.normalize.tables import (
    CYRILLIC_TO_LATIN,
    DIGIT_TO_CYRILLIC,
    DIGIT_TO_LATIN,
    EMOJI_TOKENS,
    LATIN_TO_CYRILLIC,
    STYLISED,
)

# Characters whose lower() is exactly one character and needs no other folding.
# (stdlib ``re``: these simple patterns run 2-3x faster there than in ``regex``)
_SPECIAL_RE = re.compile(r"[^\x20-\x7e\n\t\r\u0400-\u045f\u0490-\u04ff«»—–…№₸]")
# Single letters with the same separator between each ("з.а.к.л.а.д.к.и", "м е ф", "m-e-f").
_SEPARATED_RE = re.compile(r"(?<!\w)[^\W_]([ .\-_*·•|/\\~+]{1,3})[^\W_](?:\1[^\W_])+(?!\w)")
# One-letter words that may stand before a spaced-out word without belonging to it.
_SHORT_WORDS = frozenset("ивскуоаяi")
_SEPARATOR_CHARS = frozenset(" .-_*·•|/\\~+")
# Quick yes/no scans run on every text, so each one starts with a character class: ``re`` then
# skips in C to the characters that can start a match instead of trying every position (a
# pattern opening with a lookbehind or an alternation is tried at every position, 5-10x slower).
_HAS_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
# a Latin letter next to a Cyrillic one, on either side
_MIXED_TRIGGER_RE = re.compile(r"[a-z](?:(?=[\u0400-\u04ff])|(?<=[\u0400-\u04ff][a-z]))")
# letter, digits/@/$, letter ("з@клад") or a leading 0/3/4/6/8 before three Cyrillic letters
_LEET_TRIGGER_RE = re.compile(
    r"[\d@$](?:(?<=[^\W\d_][\d@$])[\d@$]*[^\W\d_]|(?<=[03468])(?<!\w[03468])[\u0400-\u04ff]{3})"
)
# necessary for _SEPARATED_RE: a one-letter word, separators, a letter, separators, a letter
_SEP = r"[ .\-_*·•|/\\~+]"
_SEPARATED_GATE_RE = re.compile(
    rf"{_SEP}(?<=(?<!\w)[^\W_].){_SEP}{{0,2}}[^\W_]{_SEP}{{1,3}}[^\W_](?![^\W_])"
)
_WORD_RE = re.compile(r"[^\W_](?:[^\W_]|[@$](?=[^\W_]))*")
_UNIT_RE = re.compile(r"\d+[^\W\d_]{1,6}|[^\W\d_]{1,6}\d+")
# A Latin word with a Cyrillic case ending ("telegramда", "usdtға") is ordinary writing.
_LOANWORD_RE = re.compile(r"[a-z]{3,}[\u0400-\u04ff]{1,5}|[\u0400-\u04ff]{3,}[a-z]{1,2}")
_REPEAT_RE = re.compile(r"([^\W\d_])\1\1+")
# any character three times: much cheaper than _REPEAT_RE and necessary for it
_TRIPLE_RE = re.compile(r"(.)\1\1", re.DOTALL)
_LEET = frozenset("0123456789@$")


@dataclass
class Folded:
    """The folded text, its offset map and the obfuscation signals seen on the way."""

    text: str
    offsets: list[int]
    signals: dict[str, int] = field(default_factory=dict)


_CHAR_CACHE: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    cached = _CHAR_CACHE.get(ch)
    if cached is not None:
        return cached
    cat = unicodedata.category(ch)
    if ch in EMOJI_TOKENS:
        out = f" {EMOJI_TOKENS[ch]} "
    elif cat == "Cf" or "\ufe00" <= ch <= "\ufe0f" or cat == "Mn":
        out = ""
    elif cat in ("Cc", "Cs", "Co", "Cn") or cat.startswith("Z"):
        out = " "
    else:
        out = "".join(STYLISED.get(c, c) for c in unicodedata.normalize("NFKC", ch).casefold())
    if len(_CHAR_CACHE) < 50_000:
        _CHAR_CACHE[ch] = out
    return out


def is_junk(ch: str) -> bool:
    """Control, private-use, unassigned, surrogate, replacement and Latin-1 symbol characters:
    what binary garbage decoded as text is made of, and what real posts almost never contain."""
    if ch == "\ufffd" or "\xa1" <= ch <= "\xbf" or ch in "×÷":
        return True
    return unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs")


_CHAR_INFO: dict[str, tuple[str, bool, bool]] = {}


def _char_info(ch: str) -> tuple[str, bool, bool]:
    """(folded form, junk, combining mark) of a special character, cached per character."""
    info = (_fold_char(ch), is_junk(ch), unicodedata.category(ch) == "Mn")
    if len(_CHAR_INFO) < 50_000:
        _CHAR_INFO[ch] = info
    return info


def fold_chars(text: str) -> tuple[list[str], list[int], int, int]:
    """Pass 1: segments, the offset map, how many characters were not plain, how many junk."""
    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    special = junk = 0
    info_get = _CHAR_INFO.get
    for m in _SPECIAL_RE.finditer(text):
        i = m.start()
        if i > pos:
            parts.append(text[pos:i].lower())
            offsets.extend(range(pos, i))
        ch = m.group()
        special += 1
        out, is_junk_char, is_mark = info_get(ch) or _char_info(ch)
        if is_junk_char:
            junk += 1
        if is_mark and parts and parts[-1]:
            # a decomposed letter (и + breve): compose it with what came before
            composed = unicodedata.normalize("NFC", parts[-1][-1] + ch)
            if len(composed) == 1:
                parts[-1] = parts[-1][:-1] + composed.casefold()
            pos = i + 1
            continue
        if out:
            parts.append(out)
            offsets.extend([i] * len(out))
        pos = i + 1
    if pos < len(text):
        parts.append(text[pos:].lower())
        offsets.extend(range(pos, len(text)))
    return parts, offsets, special, junk


def join_separated(folded: str, offsets: list[int]) -> tuple[str, list[int], int]:
    """Pass 2: "з.а.к.л.а.д.к.и" -> "закладки" (at least three single letters, two non-digits)."""
    gate = _SEPARATED_GATE_RE.search(folded)
    if gate is None:
        return folded, offsets, 0
    out: list[str] = []
    offs: list[int] = []
    pos = 0
    joined = 0
    # no match can start before the letter in front of the gate's first separator
    for m in _SEPARATED_RE.finditer(folded, gate.start() - 1):
        letters = [(j, c) for j, c in enumerate(m.group(), m.start()) if c not in _SEPARATOR_CHARS]
        if m.group(1).isspace():
            if all(c in _SHORT_WORDS for _, c in letters):
                continue
            if len(letters) > 3 and letters[0][1] in _SHORT_WORDS:
                letters = letters[1:]
        if sum(1 for _, c in letters if not c.isdigit()) < 2:
            continue
        first = letters[0][0]
        out.append(folded[pos:first])
        offs.extend(offsets[pos:first])
        out.append("".join(c for _, c in letters))
        offs.extend(offsets[j] for j, _ in letters)
        pos = m.end()
        joined += 1
    if not joined:
        return folded, offsets, 0
    out.append(folded[pos:])
    offs.extend(offsets[pos:])
    return "".join(out), offs, joined


def _is_cyrillic(c: str) -> bool:
    return "\u0400" <= c <= "\u04ff"


def _is_latin(c: str) -> bool:
    return "a" <= c <= "z" or c in "ëéèêáàâíìîóòôúùûçñ"


def fold_word(word: str) -> tuple[str, bool, bool]:
    """(folded word, had mixed scripts, had digits used as letters); length is preserved."""
    cyr = [c for c in word if _is_cyrillic(c)]
    lat = [c for c in word if _is_latin(c)]
    if not cyr and not lat:
        return word, False, False
    mixed = bool(cyr and lat) and not _LOANWORD_RE.fullmatch(word)
    if mixed:
        cyr_only = any(c not in CYRILLIC_TO_LATIN for c in cyr)
        lat_only = any(c not in LATIN_TO_CYRILLIC for c in lat)
        to_cyr = cyr_only if cyr_only != lat_only else len(cyr) >= len(lat)
    else:
        to_cyr = bool(cyr)
    chars = list(word)
    leet = False
    if any(c in _LEET for c in word) and not _UNIT_RE.fullmatch(word):
        digit_map = DIGIT_TO_LATIN if (mixed or not to_cyr) else DIGIT_TO_CYRILLIC
        n = len(chars)
        for j, c in enumerate(chars):
            if c not in _LEET:
                continue
            inside = 0 < j < n - 1 and chars[j - 1].isalpha() and chars[j + 1].isalpha()
            leading = (
                j == 0 and to_cyr and not mixed and n >= 4 and all(x.isalpha() for x in chars[1:])
            )
            if (inside or leading) and c in digit_map:
                chars[j] = digit_map[c]
                leet = True
    if mixed or leet:
        table = LATIN_TO_CYRILLIC if to_cyr else CYRILLIC_TO_LATIN
        chars = [table.get(c, c) for c in chars]
    return "".join(chars), mixed, leet


_WORD_CACHE: dict[str, tuple[str, bool, bool]] = {}


def _fold_word_cached(word: str) -> tuple[str, bool, bool]:
    result = fold_word(word)
    if len(_WORD_CACHE) < 100_000:  # posts reuse words; bound the memory all the same
        _WORD_CACHE[word] = result
    return result


def fold_words(folded: str) -> tuple[str, dict[str, int]]:
    """Pass 3 (length-preserving, so the offset map is unchanged)."""
    signals = {"mixed_script_words": 0, "leet_words": 0}
    mixed = _HAS_CYRILLIC_RE.search(folded) and _MIXED_TRIGGER_RE.search(folded)
    if not mixed and not _LEET_TRIGGER_RE.search(folded):
        return folded, signals
    out: list[str] = []
    pos = 0
    cached = _WORD_CACHE.get
    for m in _WORD_RE.finditer(folded):
        word = m.group()
        new, mixed, leet = cached(word) or _fold_word_cached(word)
        if new != word:
            out.append(folded[pos : m.start()])
            out.append(new)
            pos = m.end()
        signals["mixed_script_words"] += int(mixed)
        signals["leet_words"] += int(leet)
    out.append(folded[pos:])
    return "".join(out), signals


def collapse_repeats(folded: str, offsets: list[int]) -> tuple[str, list[int], int]:
    """Pass 4: "мееееф" -> "меф"."""
    # a run of three identical letters starts a run of three identical characters
    if not any(_REPEAT_RE.match(folded, m.start()) for m in _TRIPLE_RE.finditer(folded)):
        return folded, offsets, 0
    keep = [True] * len(folded)
    count = 0
    for m in _REPEAT_RE.finditer(folded):
        for j in range(m.start() + 1, m.end()):
            keep[j] = False
        count += 1
    text = "".join(c for c, k in zip(folded, keep, strict=True) if k)
    return text, [o for o, k in zip(offsets, keep, strict=True) if k], count


def fold(text: str) -> Folded:
    parts, offsets, special, junk = fold_chars(text)
    folded = "".join(parts)
    folded, offsets, joined = join_separated(folded, offsets)
    folded, signals = fold_words(folded)
    folded, offsets, repeats = collapse_repeats(folded, offsets)
    signals.update(
        special_chars=special, junk_chars=junk, separated_words=joined, repeated_letters=repeats
    )
    return Folded(folded, offsets, signals)

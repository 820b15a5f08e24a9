"""Substances named in a text, as the lexicon's canonical names (``mephedrone``, ``cannabis``).

The terms come from the detection lexicon (``data/lexicon/*.yaml``, entries of category
``substance``), so one list serves detection and extraction. Matching is by word: each word
is folded (lowercase, ё->е, Latin lookalikes and 0/3 inside Cyrillic words turned Cyrillic:
``мeф``, ``к0кс``) and looked up as a whole word, a stem (``закладк*``) or the start of a
phrase; folding keeps the length of each word so spans stay exact. Terms the lexicon marks
``ambiguous`` (``соль``, ``фен``) count only next to a quantity or price.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Literal, overload

from narcowatch.extract.base import Indicator, char_classes
from narcowatch.extract.marks import marks

NAME = "substances.v1"

WORD_RE = re.compile(r"[\w@]+(?:-[\w@]+)*")
_TO_CYRILLIC = str.maketrans("aeopcxykmthb03@", "аеорсхукмтнвоза")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]")
_TRADE_NEAR = re.compile(
    r"\d\s?(?:г\b|гр|грам|(?-i:g)\b|шт|тг|₸|тенге|руб|\$|usdt|к\s?тг)", re.IGNORECASE
)
# "хэш 9e10..." is a checksum, not hashish: a lexicon word followed by a long hex string.
_HEX_AFTER = re.compile(r"[^\n]{0,16}?\b(?=[a-f]*\d)[0-9a-f]{16,}\b", re.IGNORECASE)


# A Cyrillic letter next to a Latin one, a digit or "@"; written to open with a character set
# so that ``re`` skips the (usually Cyrillic-only) text in C.
_MIXED_HINT = re.compile(r"[a-z0-9@](?:[а-яё]|(?<=[а-яё].))")
_RUN_END = re.compile(r"[\w@]*")
# Over the character classes of ``base.char_classes``: a-z, digits and "@" all become "L", so
# a Latin letter, digit or "@" next to а-яё shows as "LC" or "CL"; with neither, no word mixes
# scripts. ``bytes.translate`` and ``in`` run at memory speed where ``_MIXED_HINT`` tries every
# Latin letter of an English sentence.
_MIX_CLASSES = bytes.maketrans(b"DA", b"LL")


def _maybe_mixed(low: str, classes: bytes | None) -> bool:
    """Necessary for a Latin letter to occur in ``low`` and ``_MIXED_HINT`` to match there."""
    if classes is None:
        classes = char_classes(low)
    if b"L" not in classes:
        return False
    mixed = classes.translate(_MIX_CLASSES)
    return b"LC" in mixed or b"CL" in mixed


def _fold_mixed(low: str) -> str:
    r"""Each maximal run of ``[\w@]`` holding a Latin-Cyrillic pair, turned Cyrillic.

    What ``re.sub(r"[\w@]*(?:[а-яё][a-z0-9@]|[a-z0-9@][а-яё])[\w@]*", ...)`` gives, without
    that pattern's backtracking over every word of the text: only the runs around pairs
    ``_MIXED_HINT`` finds are visited.
    """
    out: list[str] = []
    done = 0
    for m in _MIXED_HINT.finditer(low):
        at = m.start()
        if at < done:
            continue
        start = at
        while start > done and (low[start - 1].isalnum() or low[start - 1] in "_@"):
            start -= 1
        end = _RUN_END.match(low, at).end()
        out.append(low[done:start])
        out.append(low[start:end].translate(_TO_CYRILLIC))
        done = end
    out.append(low[done:])
    return "".join(out)


@overload
def fold_text(text: str, low: str | None = None) -> str: ...
@overload
def fold_text(
    text: str, low: str | None = None, *, report: Literal[True], classes: bytes | None = None
) -> tuple[str, bool]: ...


def fold_text(
    text: str, low: str | None = None, *, report: bool = False, classes: bytes | None = None
) -> str | tuple[str, bool]:
    """Same-length fold of a whole text (lowercase, ё->е, mixed-script words Cyrillic).

    With ``report``, also whether the fold did more than lowercase and turn ``ё`` into ``е``;
    ``classes`` are ``low``'s byte classes when already known (``base.Scan.classes``).
    """
    low = (text.lower() if low is None else low).replace("ё", "е")
    if len(low) != len(text):
        folded = "".join(fold_word(ch) if len(ch.lower()) == 1 else ch for ch in text)
        return (folded, True) if report else folded
    plain = low
    if not low.isascii() and _maybe_mixed(low, classes):
        low = _fold_mixed(low)
    return (low, low != plain) if report else low


def trie_regex(words: Iterable[str]) -> str:
    """One alternation with shared prefixes factored out, so ``re`` scans it quickly."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return emit(trie)


def fold_word(word: str) -> str:
    """Same-length fold of one word for lookup."""
    low = word.lower().replace("ё", "е")
    if _CYRILLIC.search(low) and not low.isascii():
        low = low.translate(_TO_CYRILLIC)
    return low


class _Term:
    __slots__ = ("ambiguous", "canonical", "tokens")

    def __init__(self, tokens: tuple[tuple[str, bool], ...], canonical: str, ambiguous: bool):
        self.tokens, self.canonical, self.ambiguous = tokens, canonical, ambiguous


@cache
def _trigger() -> re.Pattern[str]:
    """Where a term may start: any first word of a variant, stems open-ended."""
    exact, stems = _index()
    return re.compile(rf"(?<![\w@])(?:{trie_regex(list(exact) + list(stems))})")


def triggers(folded: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``_trigger().finditer(folded)``, tried only at ``starts``.

    ``starts`` are the places where a first word occurs at a word start (found by the
    shared Aho-Corasick pass, ``marks``); no match can begin anywhere else, so the regular
    expression is tried there only, skipping any inside the previous match as ``finditer``
    would.
    """
    pattern, done = _trigger(), 0
    for start in starts:
        if start < done:
            continue
        m = pattern.match(folded, start)
        if m:
            done = m.end()
            yield m


@cache
def _index() -> tuple[dict[str, list[_Term]], dict[str, list[_Term]]]:
    """Exact first words and stem first words -> the terms starting with them."""
    from narcowatch.classify.lexicon_data import load_lexicon

    exact: dict[str, list[_Term]] = {}
    stems: dict[str, list[_Term]] = {}
    for entry in load_lexicon():
        if entry.category != "substance":
            continue
        for variant in _variants(entry.term, entry.variants):
            words = [w for w in variant.split() if w]
            tokens = tuple((fold_text(w.rstrip("*")), w.endswith("*")) for w in words)
            if not tokens or len(tokens[0][0]) < 2:
                continue
            term = _Term(tokens, entry.canonical, entry.ambiguous)
            first, is_stem = tokens[0]
            (stems if is_stem else exact).setdefault(first, []).append(term)
    return exact, stems


def _variants(term: str, variants: Iterable[str]) -> list[str]:
    found = [term, *variants]
    return list(dict.fromkeys(v.strip().lower() for v in found if v.strip()))


def _words_from(folded: str, pos: int, limit: int = 4) -> list[re.Match[str]]:
    found = []
    for m in WORD_RE.finditer(folded, pos):
        found.append(m)
        if len(found) >= limit:
            break
    return found


def _token_matches(token: tuple[str, bool], word: str) -> bool:
    text, is_stem = token
    return word.startswith(text) if is_stem else word == text


class SubstanceExtractor:
    name = NAME

    def extract(self, text: str) -> list[Indicator]:
        exact, stems = _index()
        shared = marks(text)
        folded = shared.folded
        hits: list[Indicator] = []
        taken_until = 0
        for trigger in triggers(folded, shared.starts):
            if trigger.start() < taken_until:
                continue
            words = [(m.group(0), m.start(), m.end()) for m in _words_from(folded, trigger.start())]
            found = self._match_here(text, words, exact, stems)
            if found:
                hits.append(found)
                taken_until = found.end
        return hits

    def _match_here(
        self,
        text: str,
        words: list[tuple[str, int, int]],
        exact: dict[str, list[_Term]],
        stems: dict[str, list[_Term]],
    ) -> Indicator | None:
        if not words:
            return None
        best = self._best_at(words, 0, exact, stems)
        if best is None:
            return None
        term, length = best
        start, end = words[0][1], words[length - 1][2]
        near = text[max(0, start - 40) : end + 40]
        if (term.ambiguous and not _TRADE_NEAR.search(near)) or _HEX_AFTER.match(text, end):
            return None
        return Indicator("substance", term.canonical, text[start:end], start, end, True, NAME)

    @staticmethod
    def _best_at(
        words: list[tuple[str, int, int]],
        i: int,
        exact: dict[str, list[_Term]],
        stems: dict[str, list[_Term]],
    ) -> tuple[_Term, int] | None:
        word = words[i][0]
        candidates = list(exact.get(word, ()))
        for cut in range(2, len(word) + 1):
            candidates.extend(stems.get(word[:cut], ()))
        best: tuple[_Term, int] | None = None
        for term in candidates:
            n = len(term.tokens)
            if i + n > len(words):
                continue
            if all(_token_matches(term.tokens[k], words[i + k][0]) for k in range(n)) and (
                best is None or n > best[1] or (n == best[1] and best[0].ambiguous)
            ):
                best = (term, n)
        return best

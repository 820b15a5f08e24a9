"""Fast lexicon matching on folded text: whole words, stems and phrases, with folded spans.

Written by hand because no maintained library matches stems (``закладк*``) and multi-word
phrases over a tokenised text while keeping character spans: Aho-Corasick packages match raw
substrings (so "мет" would fire inside "метро"). Lexicon variants are normalised with the same
normaliser as the texts, so obfuscation folding applies to both sides alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from narcowatch.classify.lexicon_data import LexiconEntry
from narcowatch.normalize.text import normalize_text

# Words only: the normaliser has already turned meaningful emoji into words (emoji_snow).
TOKEN_RE = re.compile(r"\w+")
_DIGIT_RE = re.compile(r"\d")
# "(?<![\w.,])\d..." -> "\d(?<![\w.,]\d)...": the same matches, but ``re`` can skip in C to
# the characters that may start one instead of trying the lookbehind at every position
_LEADING_LOOKBEHIND_RE = re.compile(
    r"\(\?<([!=])(\[(?:[^\]\\]|\\.)+\]|\\[dDwWsS])\)(\[(?:[^\]\\]|\\.)+\]|\\[dDwWsS])"
)


class Hit(NamedTuple):
    """A lexicon entry found at ``start:end`` of the folded text (a tuple: built per match)."""

    entry: LexiconEntry
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class _Pattern:
    entry: LexiconEntry
    tokens: tuple[tuple[str, bool], ...]  # (token, is_stem)


_NOTHING: tuple[_Pattern | None, tuple[_Pattern, ...]] = (None, ())


def tokenize(folded: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(folded)]


def _fold(text: str) -> str:
    return normalize_text(text).folded


def _variant_tokens(variant: str, fold: Callable[[str], str]) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for word in variant.split():
        stem = word.endswith("*")
        word = word.rstrip("*")
        parts = [tok for tok, _, _ in tokenize(fold(word))]
        for j, part in enumerate(parts):
            out.append((part, stem and j == len(parts) - 1))
    return tuple(out)


def _starts(folded: str, words: Sequence[str], upto: int) -> list[int]:
    """Start offsets of the first ``upto`` tokens: each token is the next occurrence of its text
    (only non-word characters lie between tokens), found by ``str.find`` faster than re-scanning
    with the token regex."""
    find = folded.find
    out = []
    pos = 0
    for word in words[:upto]:
        pos = find(word, pos)
        out.append(pos)
        pos += len(word)
    return out


def _starts_with_digit(pattern: str) -> bool:
    """Whether every match of ``pattern`` starts with a digit: it opens with ``\\d`` (not
    quantified) and has no alternation outside parentheses."""
    if not pattern.startswith("\\d") or pattern[2:3] in ("*", "?", "{", "|"):
        return False
    depth, escaped, opened = 0, False, -1  # opened: where the open class starts, or -1
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif opened >= 0:  # a "]" first in a class ("[]x]", "[^]x]") is a literal
            first = opened + 2 if pattern[opened + 1 : opened + 2] == "^" else opened + 1
            if ch == "]" and i > first:
                opened = -1
        elif ch == "[":
            opened = i
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return False
    return True


def scan_first(compiled: re.Pattern[str]) -> re.Pattern[str]:
    """``compiled`` rewritten to start with its first character class when it opens with a
    one-character lookbehind; the pattern itself when it does not."""
    m = _LEADING_LOOKBEHIND_RE.match(compiled.pattern)
    if m is None:
        return compiled
    sign, before, first = m.groups()
    rest = compiled.pattern[m.end() :]
    if rest.startswith("+"):  # "\d+" -> "\d" + lookbehind + "\d*"
        rest = f"{first}*{rest[1:]}"
    elif rest[:1] in ("*", "?", "{"):
        return compiled
    return re.compile(f"{first}(?<{sign}{before}{first}){rest}", compiled.flags)


class LexiconMatcher:
    """Find every lexicon entry in a folded text; the longest match at a position wins."""

    def __init__(self, entries: Iterable[LexiconEntry], fold: Callable[[str], str] = _fold) -> None:
        self.exact: dict[str, list[_Pattern]] = {}
        self.stems: dict[str, list[_Pattern]] = {}
        # (entry, pattern, whether every match starts with a digit)
        self.regex_entries: list[tuple[LexiconEntry, re.Pattern[str], bool]] = []
        for entry in entries:
            if entry.compiled is not None:
                fast = scan_first(entry.compiled)
                self.regex_entries.append((entry, fast, _starts_with_digit(fast.pattern)))
            for variant in entry.variants:
                tokens = _variant_tokens(variant, fold)
                if not tokens:
                    continue
                pattern = _Pattern(entry, tokens)
                first, is_stem = tokens[0]
                index = self.stems if is_stem else self.exact
                index.setdefault(first, []).append(pattern)
        self.stem_lengths = sorted({len(s) for s in self.stems}, reverse=True)
        self._cache = _Candidates(self)

    def _candidates(self, token: str) -> tuple[_Pattern | None, tuple[_Pattern, ...]]:
        """(longest one-word pattern, multi-word patterns) that may start at ``token``."""
        found = list(self.exact.get(token, ()))
        for length in self.stem_lengths:
            if length <= len(token):
                found.extend(self.stems.get(token[:length], ()))
        single = next((p for p in found if len(p.tokens) == 1), None)
        multi = tuple(p for p in found if len(p.tokens) > 1)
        return (single, multi) if single is not None or multi else _NOTHING

    @staticmethod
    def _matches(pattern: _Pattern, words: Sequence[str], i: int) -> bool:
        if i + len(pattern.tokens) > len(words):
            return False
        for (want, is_stem), got in zip(pattern.tokens[1:], words[i + 1 :], strict=False):
            if not (got.startswith(want) if is_stem else got == want):
                return False
        return True

    def match(self, folded: str, words: Sequence[str] | None = None) -> list[Hit]:
        """Hits in ``folded``; ``words`` are its ``\\w+`` tokens when the caller has them."""
        if words is None:
            words = TOKEN_RE.findall(folded)
        # one dict lookup per word (C loop); only words that may start a term are looked at
        cands = list(map(self._cache.__getitem__, words))
        found: list[tuple[int, _Pattern]] = []
        next_free = 0
        for i in [i for i, cand in enumerate(cands) if cand is not _NOTHING]:
            if i < next_free:
                continue
            best, multi = cands[i]
            for pattern in multi:
                if (best is None or len(pattern.tokens) > len(best.tokens)) and self._matches(
                    pattern, words, i
                ):
                    best = pattern
            if best is not None:
                found.append((i, best))
                next_free = i + len(best.tokens)
        hits: list[Hit] = []
        if found:
            starts = _starts(folded, words, found[-1][0] + len(found[-1][1].tokens))
            for i, pattern in found:
                last = i + len(pattern.tokens) - 1
                start, end = starts[i], starts[last] + len(words[last])
                hits.append(Hit(pattern.entry, start, end, folded[start:end]))
        first_digit = -2  # not looked for yet
        for entry, compiled, after_digit in self.regex_entries:
            pos = 0
            if after_digit:  # every match starts with a digit: find the first one once per text
                if first_digit == -2:
                    m = _DIGIT_RE.search(folded)
                    first_digit = -1 if m is None else m.start()
                if first_digit < 0:
                    continue
                pos = first_digit
            for m in compiled.finditer(folded, pos):
                hits.append(Hit(entry, m.start(), m.end(), m.group()))
        return hits


class _Candidates(dict[str, tuple[_Pattern | None, tuple[_Pattern, ...]]]):
    """Per-token candidates, computed on first sight (posts reuse words; memory is bounded)."""

    def __init__(self, matcher: LexiconMatcher) -> None:
        super().__init__()
        self.matcher = matcher

    def __missing__(self, token: str) -> tuple[_Pattern | None, tuple[_Pattern, ...]]:
        result = self.matcher._candidates(token)
        if len(self) < 300_000:
            self[token] = result
        return result

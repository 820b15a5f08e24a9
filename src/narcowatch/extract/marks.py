"""One pass over a text that tells every extractor which of its gate words occur in it.

Most extractors first test words their matches cannot do without (an e-mail needs ``@`` or
an "at" form, a Telegram link ``t.me``, a spelled phone a number word) and skip the text
when none occurs. About sixty ``word in text`` tests cost some 20 µs on an ordinary post,
a fifth of all the work. The substance extractor already runs one Aho-Corasick pass over
the folded text for its trigger words; the gate words go into the same automaton, so that
one pass in C answers every gate.

The folded text is the lowercase text with ``ё`` as ``е`` and mixed-script words turned
Cyrillic. A gate word (lowercase, no ``ё``) found in the lowercase text is found in the
folded one as long as no mixed-script word was rewritten and lowering kept the length;
otherwise ``Marks.found`` is ``None`` and ``any_in`` tests the words one by one, as before.
A word found only in the folded text (``е`` written ``ё``) merely lets an extractor look
where it finds nothing: every gate is a necessary condition, never a rule of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import ahocorasick

from narcowatch.extract.base import scan

_GATE_WORDS: set[str] = set()
_version = 0
# pyahocorasick looks a character up among a node's children one by one, in the order the
# keys were added; adding keys by how common their letters are in posts (Russian, Kazakh,
# English, digits) makes the pass over a typical post about a third faster.
_COMMON = " оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъіқңғүұөәһetaoinsrhldcumfpgwybvkxjqz0123456789"
_RANK = {ch: rank for rank, ch in enumerate(_COMMON)}


def gate_words(*words: str) -> frozenset[str]:
    """Register an extractor's gate words (lowercase, without ``ё``) and return them."""
    global _version
    for word in words:
        if not word or word != word.lower() or "ё" in word:
            raise ValueError(f"gate word must be lowercase, non-empty, without ё: {word!r}")
    new = set(words) - _GATE_WORDS
    if new:
        _GATE_WORDS.update(new)
        _version += 1
    return frozenset(words)


class Marks:
    """The shared pass over one text: folded form, substance trigger starts, gate words."""

    __slots__ = ("folded", "found", "starts")

    def __init__(self, folded: str, starts: list[int], found: frozenset[str] | None) -> None:
        self.folded = folded
        # Where a substance trigger word starts a word of the folded text, ascending.
        self.starts = starts
        # Gate words present in the lowercase text (a superset), or None when unknown.
        self.found = found


@cache
def _automaton(version: int) -> ahocorasick.Automaton:
    """Substance first words and gate words; value ``(length, is_trigger, is_gate)``."""
    from narcowatch.extract.substances import _index

    exact, stems = _index()
    triggers = {*exact, *stems}
    automaton = ahocorasick.Automaton()
    common_first = sorted(triggers | _GATE_WORDS, key=lambda w: [_RANK.get(ch, 999) for ch in w])
    for word in common_first:
        automaton.add_word(word, (len(word), word in triggers, word in _GATE_WORDS))
    automaton.make_automaton()
    return automaton


def marks(text: str) -> Marks:
    """The ``Marks`` of ``text``, computed once and kept on its ``Scan``."""
    sc = scan(text)
    found = sc.marks
    if found is None:
        found = sc.marks = _compute(text, sc.low, sc.classes)
    return found  # type: ignore[no-any-return]


def _compute(text: str, low: str, classes: bytes | None) -> Marks:
    from narcowatch.extract.substances import fold_text

    folded, rewritten = fold_text(text, low, report=True, classes=classes)
    starts: set[int] = set()
    gates: set[str] = set()
    for end, (length, trigger, gate) in _automaton(_version).iter(folded):
        start = end - length + 1
        if trigger and (
            start == 0 or not (folded[start - 1].isalnum() or folded[start - 1] in "_@")
        ):
            starts.add(start)
        if gate:
            gates.add(folded[start : end + 1])
    return Marks(folded, sorted(starts), None if rewritten else frozenset(gates))


def any_in(text: str, words: Iterable[str]) -> bool:
    """Whether any of ``words`` (registered with ``gate_words``) occurs in ``text.lower()``."""
    sc = scan(text)
    shared = sc.marks
    if shared is None:
        shared = sc.marks = _compute(text, sc.low, sc.classes)
    found = shared.found
    if found is None:
        return any(map(sc.low.__contains__, words))
    return not found.isdisjoint(words)

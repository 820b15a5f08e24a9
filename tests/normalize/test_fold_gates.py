"""The quick scans that let folding skip a pass never skip a text the pass would change."""

from __future__ import annotations

import random
import re

import pytest

from narcowatch.normalize import fold as F

# the passes' triggers as first written (slower: tried at every character)
MIXED = re.compile(r"[a-z][\u0400-\u04ff]|[\u0400-\u04ff][a-z]")
LEET = re.compile(r"[^\W\d_][\d@$]+[^\W\d_]|(?<!\w)[03468][\u0400-\u04ff]{3}")


def _texts() -> list[str]:
    rng = random.Random(5)
    alphabet = [*"abмеxz0348@$1_²яё .-*·|~+/\\", "  ", "...", "ие", "ааа", "eee"]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 25))) for _ in range(30000)]


def test_quick_scans_agree_with_the_passes() -> None:
    for text in _texts():
        assert bool(F._MIXED_TRIGGER_RE.search(text)) == bool(MIXED.search(text)), text
        assert bool(F._LEET_TRIGGER_RE.search(text)) == bool(LEET.search(text)), text
        separated = [m.span() for m in F._SEPARATED_RE.finditer(text)]
        if separated:
            assert F._SEPARATED_GATE_RE.search(text) is not None, text
        if F._REPEAT_RE.search(text):
            assert F.collapse_repeats(text, list(range(len(text))))[2] > 0, text


class _Everywhere:
    """A gate that lets every text through, from its first character."""

    def search(self, text: str) -> re.Match[str] | None:
        return re.search("x", "_x")  # start() == 1: the pass then scans from position 0


def test_gated_join_equals_the_ungated_join(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [*_texts()[:10000], "и в москве з.а.к.л.а.д.к.и", "м е ф и с к", "w-e-e-d x_y_z"]
    gated = [F.join_separated(t, list(range(len(t)))) for t in texts]
    monkeypatch.setattr(F, "_SEPARATED_GATE_RE", _Everywhere())
    assert gated == [F.join_separated(t, list(range(len(t)))) for t in texts]
    assert any(count for _, _, count in gated)

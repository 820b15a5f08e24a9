"""The normalised view of an item's text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Document:
    """``folded[i]`` comes from ``text[offsets[i]]``; reasons found in ``folded`` map back."""

    text: str
    folded: str
    lang: str
    offsets: list[int] = field(default_factory=list)
    normalizer: str = "basic.v1"
    # obfuscation counters from folding (mixed_script_words, leet_words, separated_words...)
    signals: dict[str, int] = field(default_factory=dict)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``folded`` back to a span of ``text``."""
        if not self.offsets or start >= len(self.offsets):
            return start, end
        s = self.offsets[start]
        e = self.offsets[min(end, len(self.offsets)) - 1] + 1 if end > start else s
        return s, e

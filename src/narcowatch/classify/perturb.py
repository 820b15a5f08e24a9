"""Seeded obfuscation of texts, the way shops disguise their posts.

Used twice: to put realistic obfuscation into part of the training corpus, and to build the
perturbed copy of the test split for the stress test. Every function takes a ``random.Random``
so the output is reproducible from a seed.
"""

from __future__ import annotations

import random
import re

CYR_TO_LAT = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "х": "x",
    "у": "y",
    "к": "k",
    "м": "m",
    "т": "t",
    "н": "h",
    "в": "b",
    "і": "i",
}
LAT_TO_CYR = {v: k for k, v in CYR_TO_LAT.items()}
LEET = {
    "о": "0",
    "o": "0",
    "з": "3",
    "e": "3",
    "а": "@",
    "a": "4",
    "ч": "4",
    "б": "6",
    "i": "1",
    "s": "5",
    "t": "7",
    "в": "8",
    "л": "ji",
}
SEPARATORS = [".", " ", "-", "*", "_", "·", "|"]
OBF_EMOJI = ["❄️", "💎", "🍁", "🔥", "💊", "🌿", "⚡", "🚀", "✨", "💯"]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
STYLES = ["lookalike", "separator", "leet", "emoji", "stylised", "zero_width", "repeat"]
_WORD_RE = re.compile(r"\w{3,}")


def _stylise_char(ch: str, base: int) -> str:
    if "a" <= ch <= "z":
        return chr(base + ord(ch) - ord("a"))
    if "A" <= ch <= "Z":
        return chr(base - 26 + ord(ch) - ord("A"))
    return ch


def lookalike(word: str, rng: random.Random) -> str:
    chars = list(word)
    idx = [i for i, c in enumerate(chars) if c.lower() in CYR_TO_LAT or c.lower() in LAT_TO_CYR]
    for i in rng.sample(idx, k=max(1, len(idx) // 2)) if idx else []:
        c = chars[i]
        low = c.lower()
        rep = CYR_TO_LAT.get(low) or LAT_TO_CYR.get(low, low)
        chars[i] = rep.upper() if c.isupper() else rep
    return "".join(chars)


def separate(word: str, rng: random.Random) -> str:
    return rng.choice(SEPARATORS).join(word)


def leet(word: str, rng: random.Random) -> str:
    chars = list(word)
    idx = [i for i, c in enumerate(chars) if c.lower() in LEET and i > 0]
    for i in rng.sample(idx, k=max(1, len(idx) // 2)) if idx else []:
        chars[i] = LEET[chars[i].lower()]
    return "".join(chars)


def stylise(word: str, rng: random.Random) -> str:
    if not re.search(r"[A-Za-z]", word):
        return lookalike(word, rng).upper() if rng.random() < 0.5 else word.upper()
    base = rng.choice([0x1D41A, 0x1D44E, 0x1D5EE, 0xFF41])  # bold, italic, sans bold, fullwidth
    return "".join(_stylise_char(c, base) for c in word)


def zero_width(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    return word[:i] + rng.choice(ZERO_WIDTH) + word[i:]


def repeat(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    return word[:i] + word[i] * rng.randint(3, 5) + word[i + 1 :]


def emoji(word: str, rng: random.Random) -> str:
    return (
        f"{word}{rng.choice(OBF_EMOJI)}" if rng.random() < 0.5 else f"{rng.choice(OBF_EMOJI)}{word}"
    )


FUNCS = {
    "lookalike": lookalike,
    "separator": separate,
    "leet": leet,
    "emoji": emoji,
    "stylised": stylise,
    "zero_width": zero_width,
    "repeat": repeat,
}


def perturb(
    text: str,
    rng: random.Random,
    rate: float = 0.35,
    styles: list[str] | None = None,
    focus: frozenset[str] = frozenset(),
) -> tuple[str, str]:
    """Obfuscate about ``rate`` of the words (all words in ``focus``); returns (text, style)."""
    chosen = styles or rng.sample(STYLES, k=rng.randint(1, 3))

    def repl(m: re.Match[str]) -> str:
        word = m.group()
        p = 0.9 if word.lower() in focus else rate
        if rng.random() >= p:
            return word
        return FUNCS[rng.choice(chosen)](word, rng)

    out = _WORD_RE.sub(repl, text)
    return out, "+".join(sorted(chosen))

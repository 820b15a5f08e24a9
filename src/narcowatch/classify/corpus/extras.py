"""Rows the template families do not produce: junk a channel carries and hand-written texts.

Junk (emoji-only strings, garbage characters, one-word replies) teaches the classifier that a
text without words is not an advert; the hand-written seed texts bring wording no template has.
"""

from __future__ import annotations

import json
import random
from typing import Any

from narcowatch.classify.corpus import vocab
from narcowatch.paths import data_root

CHAT = {
    "ru": [
        "ок",
        "да",
        "нет",
        "спасибо",
        "привет, как дела?",
        "ахаха",
        "понял",
        "скинь фото",
        "где встречаемся?",
        "доброе утро",
        "с днём рождения!",
        "ну такое",
        "жесть",
        "кто тут?",
    ],
    "kk": [
        "рахмет",
        "иә",
        "жоқ",
        "сәлем, қалайсың?",
        "жақсы",
        "түсіндім",
        "қайырлы таң",
        "туған күніңмен!",
        "қайда кездесеміз?",
        "керемет",
        "мақұл",
    ],
    "en": [
        "ok",
        "thanks",
        "lol",
        "hi, how are you?",
        "good morning",
        "see you",
        "where are we meeting?",
        "happy birthday!",
        "nice",
        "who is here?",
        "agreed",
    ],
}


def noise_rows(seed: int) -> list[dict[str, Any]]:
    """Junk a channel also carries: emoji only, garbage bytes, one-word replies (negatives)."""
    rng = random.Random(f"{seed}:noise")
    emoji = vocab.EMOJI_TRADE + vocab.EMOJI_NEUTRAL + vocab.EMOJI_WARNING
    rows = []

    def add(text: str, lang: str, family: str) -> None:
        split = "test" if family.endswith("-2") else "train"
        rows.append(
            {
                "text": text,
                "label": 0,
                "lang": lang,
                "kind": "noise",
                "family": family,
                "split": split,
                "obfuscation": "none",
            }
        )

    for i in range(120):
        fam = f"noise-emoji-{i % 3}"
        add(
            "".join(rng.choice(emoji) * rng.randint(1, 3) for _ in range(rng.randint(1, 12))),
            "und",
            fam,
        )
    for i in range(90):
        n = rng.randint(3, 80)
        alphabet = [chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x250), 0xFFFD, 0x200B]]
        add("".join(rng.choice(alphabet) for _ in range(n)), "und", f"noise-garbage-{i % 3}")
    for lang, replies in CHAT.items():
        for i in range(45):
            text = rng.choice(replies)
            if rng.random() < 0.4:
                text += " " + rng.choice(emoji)
            if rng.random() < 0.3:
                text = rng.choice("абвгдежзклмнопрстуфхцчшщыэюя") * rng.randint(2, 6) + " " + text
            add(text, lang, f"noise-chat-{lang}-{i % 3}")
    return rows


def seed_texts() -> list[dict[str, Any]]:
    """Whole texts the team wrote by hand (data/corpus/seed_texts.jsonl), kept verbatim."""
    path = data_root() / "corpus" / "seed_texts.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]

"""Build the labelled corpus from the hand-written template families (seeded, reproducible).

A *family* is one shop (or one legitimate outlet for negatives) with its own name, handles,
cities, emoji, favourite slang, layout and a subset of the hand-written phrasings; the train/
test split is by family, never by row, and about a fifth of the phrasings are reserved for
test families, so the test split measures generalisation to unseen shops *and* unseen wording.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from narcowatch.classify.corpus import vocab
from narcowatch.classify.corpus.extras import noise_rows, seed_texts
from narcowatch.classify.perturb import perturb
from narcowatch.paths import data_root

SEED = 20261121
POS_FAMILIES = {  # families per kind and language
    "ru": {
        "sale_ad": 8,
        "shop_promo": 5,
        "recruitment": 6,
        "graffiti": 4,
        "bot_desc": 3,
        "classified": 4,
        "pharma_sale": 4,
        "rotation": 3,
    },
    "kk": {
        "sale_ad": 5,
        "shop_promo": 3,
        "recruitment": 4,
        "graffiti": 3,
        "bot_desc": 2,
        "classified": 3,
        "pharma_sale": 3,
        "rotation": 2,
    },
    "en": {
        "sale_ad": 4,
        "shop_promo": 3,
        "recruitment": 3,
        "graffiti": 2,
        "bot_desc": 2,
        "classified": 2,
        "pharma_sale": 2,
        "rotation": 2,
    },
}
NEG_FAMILIES = {"ru": 4, "kk": 3, "en": 3}
MIXED = {"pos": 3, "neg": 2}  # families per kind of mixed-language texts
ROWS = {"ru": 36, "kk": 30, "en": 28, "mixed": 18}
TEST_SHARE = 0.25
SEPARATORS_POS = ["\n", "\n\n", " | ", ". ", " • ", " ✅ ", "\n➖ ", " ", "\n🔹 ", " ~ "]
SEPARATORS_NEG = ["\n", "\n\n", ". ", " ", " — "]
SLOT_RE = re.compile(r"\{(\w+)\}")
FOCUS = frozenset(w.lower() for lang in vocab.SUBSTANCES.values() for w in lang) | frozenset(
    [
        "закладки",
        "клад",
        "клады",
        "закладка",
        "кладмен",
        "закладчик",
        "прикоп",
        "магнит",
        "шоп",
        "оператор",
        "бот",
        "закладчиктер",
        "жасырын",
        "plug",
        "drop",
        "drops",
        "stash",
    ]
)


def templates_dir() -> Path:
    return data_root() / "corpus" / "templates"


def load_templates() -> dict[tuple[str, int], dict[str, Any]]:
    out = {}
    for path in sorted(templates_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        blocks = dict(data["blocks"])
        blocks.update(data.get("extra_blocks") or {})
        out[(data["lang"], int(data["label"]))] = {"blocks": blocks, "frames": data["frames"]}
    return out


def _stable(*parts: object) -> float:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def test_only(phrase: str) -> bool:
    """About a fifth of the phrasings are seen only by test families."""
    return _stable("phrase", phrase) < 0.2


@dataclass
class Family:
    name: str
    langs: tuple[str, ...]
    kind: str
    label: int
    split: str
    rng: random.Random
    phrasings: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    slots: dict[str, list[str]] = field(default_factory=dict)
    sep: str = "\n"
    obfuscation_rate: float = 0.0
    emoji_rate: float = 0.0
    lower: bool = False


def _family_slots(rng: random.Random, langs: tuple[str, ...], label: int) -> dict[str, list[str]]:
    stem = rng.choice(vocab.SHOP_WORDS) + rng.choice(["", rng.choice(vocab.SHOP_WORDS)])
    subs: list[str] = []
    for lang in langs:
        subs += rng.sample(vocab.SUBSTANCES[lang], k=min(7, len(vocab.SUBSTANCES[lang])))
    cities = [c for lang in langs for c in rng.sample(vocab.CITIES[lang], k=2)]
    bots = [
        "@"
        + rng.choice(
            [
                "nark_stop",
                "antinarko_kz",
                "stopnarko",
                "narkoshekteu",
                "cyber_dozor",
                "taza_kogam",
                "kz_safe",
            ]
        )
        + rng.choice(["_bot", "bot"])
    ]
    slots = {
        "shop": [stem if rng.random() < 0.6 else stem.upper()],
        "handle": [vocab.handle(rng, stem) for _ in range(2)],
        "bot": [vocab.handle(rng, stem, bot=True)] if label else bots,
        "site": [vocab.site(rng, stem)],
        "city": cities,
        "sub": subs,
        "e": rng.sample(vocab.EMOJI_TRADE, k=4) if label else rng.sample(vocab.EMOJI_NEUTRAL, k=3),
    }
    return slots


def _fill(template: str, fam: Family, lang: str) -> str:
    rng = fam.rng
    used: dict[str, str] = {}
    subs = rng.sample(fam.slots["sub"], k=3)

    def value(name: str) -> str:
        if name in used:
            return used[name]
        base = name.rstrip("23")
        if base == "sub":
            v = subs[{"sub": 0, "sub2": 1, "sub3": 2}[name]]
        elif base in fam.slots:
            v = rng.choice(fam.slots[base])
        elif base == "w":
            v = rng.choice(vocab.WEIGHTS_EN if lang == "en" else vocab.WEIGHTS)
        elif base == "price":
            v = rng.choice(vocab.PRICES[lang]).format(n=rng.randint(1, 9))
        elif base == "district":
            v = rng.choice(vocab.DISTRICTS[lang])
        elif base == "pay":
            v = rng.choice(vocab.PAYMENTS_EN if lang == "en" else vocab.PAYMENTS)
        elif base == "salary":
            v = rng.choice(vocab.SALARIES_EN if lang == "en" else vocab.SALARIES)
        elif base == "phone":
            v = vocab.phone(rng)
        elif base == "shopbot":  # an ordinary shop's own bot (negatives; positives use {bot})
            v = vocab.handle(rng, fam.slots["shop"][0].lower(), bot=True)
        elif base in ("pharma", "rx", "dose"):
            table = {"pharma": vocab.PHARMA, "rx": vocab.RX, "dose": vocab.DOSES}[base]
            v = rng.choice(table[lang])
        elif base == "legal_shop":
            v = rng.choice(vocab.LEGAL_SHOPS)
        elif base == "n":
            v = str(rng.randint(1, 120))
        elif base == "name":
            v = rng.choice(vocab.NAMES_EN if lang == "en" else vocab.NAMES_RU)
        else:
            v = name
        used[name] = v
        return v

    return SLOT_RE.sub(lambda m: value(m.group(1)), template)


def _make_family(
    templates: dict, name: str, langs: tuple[str, ...], kind: str, label: int, split: str, seed: int
) -> Family:
    rng = random.Random(f"{seed}:{name}")
    fam = Family(name, langs, kind, label, split, rng)
    for lang in langs:
        for block, phrases in templates[(lang, label)]["blocks"].items():
            pool = [p for p in phrases if split == "test" or not test_only(p)]
            k = max(2, round(len(pool) * rng.uniform(0.4, 0.7)))
            fam.phrasings[(lang, block)] = rng.sample(pool, k=min(k, len(pool)))
    fam.slots = _family_slots(rng, langs, label)
    fam.sep = rng.choice(SEPARATORS_POS if label else SEPARATORS_NEG)
    fam.obfuscation_rate = (
        rng.choice([0.0, 0.1, 0.25, 0.4]) if label else rng.choice([0.0, 0.0, 0.05])
    )
    fam.emoji_rate = rng.uniform(0.0, 0.5) if label else rng.uniform(0.0, 0.15)
    fam.lower = rng.random() < 0.25
    return fam


def _text(fam: Family, templates: dict) -> tuple[str, str]:
    rng = fam.rng
    lang0 = fam.langs[0]
    frames = templates[(lang0, fam.label)]["frames"][fam.kind]
    frame = rng.choice(frames)
    parts = []
    used: set[str] = set()
    langs_used: set[str] = set()
    if len(fam.langs) > 1 and len(frame) == 1:
        frame = [*frame, "contact" if fam.label else "contact_legal"]
    for j, block in enumerate(frame):
        lang = rng.choice(fam.langs) if j else lang0
        if j == len(frame) - 1 and len(fam.langs) > 1 and langs_used == {lang0}:
            lang = fam.langs[1]
        langs_used.add(lang)
        phrases = fam.phrasings.get((lang, block)) or fam.phrasings[(lang0, block)]
        fresh = [p for p in phrases if p not in used] or phrases
        phrase = rng.choice(fresh)
        used.add(phrase)
        part = _fill(phrase, fam, lang)
        if rng.random() < fam.emoji_rate:
            part = (
                f"{rng.choice(fam.slots['e'])} {part}"
                if rng.random() < 0.5
                else f"{part} {rng.choice(fam.slots['e'])}"
            )
        parts.append(part)
    text = fam.sep.join(parts)
    if fam.lower:
        text = text.lower()
    if rng.random() < 0.3:
        text = (
            text.rstrip(".!")
            if rng.random() < 0.5
            else text + rng.choice(["!", "!!", "...", " 👇"])
        )
    obfuscation = "none"
    if rng.random() < fam.obfuscation_rate:
        text, obfuscation = perturb(text, rng, rate=0.15, focus=FOCUS)
    return text, obfuscation


def _families(templates: dict, seed: int) -> Iterator[tuple[Family, int]]:
    groups: list[tuple[str, tuple[str, ...], str, int, int, int]] = []
    for lang, kinds in POS_FAMILIES.items():
        for kind, count in kinds.items():
            groups.append((lang, (lang,), kind, 1, count, ROWS[lang]))
        for kind in templates[(lang, 0)]["frames"]:
            groups.append((lang, (lang,), kind, 0, NEG_FAMILIES[lang], ROWS[lang] - 4))
    for pair in [("ru", "kk"), ("kk", "ru"), ("ru", "en"), ("en", "ru")]:
        for kind in POS_FAMILIES["ru"]:
            groups.append(
                ("mixed", pair, kind, 1, 1 if pair[0] != "ru" else MIXED["pos"] - 1, ROWS["mixed"])
            )
        for kind in templates[("ru", 0)]["frames"]:
            groups.append(
                ("mixed", pair, kind, 0, 1 if pair[0] != "ru" else MIXED["neg"] - 1, ROWS["mixed"])
            )
    for lang, langs, kind, label, count, rows in groups:
        n_test = (
            max(1, round(count * TEST_SHARE))
            if count > 1
            else int(_stable(seed, lang, langs, kind, label) < TEST_SHARE)
        )
        for i in range(count):
            name = f"{lang}-{'-'.join(langs)}-{'pos' if label else 'neg'}-{kind}-{i + 1:02d}"
            split = "test" if i >= count - n_test else "train"
            yield _make_family(templates, name, langs, kind, label, split, seed), rows


def build_corpus(seed: int = SEED) -> list[dict[str, Any]]:
    """Every row: text, label, lang, kind, family, split, obfuscation."""
    templates = load_templates()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for fam, count in _families(templates, seed):
        lang = fam.langs[0] if len(fam.langs) == 1 else "mixed"
        made = tries = 0
        while made < count and tries < count * 5:
            tries += 1
            text, obfuscation = _text(fam, templates)
            key = re.sub(r"\W+", " ", text.lower()).strip()
            if key in seen:
                continue
            seen.add(key)
            made += 1
            rows.append(
                {
                    "text": text,
                    "label": fam.label,
                    "lang": lang,
                    "kind": fam.kind,
                    "family": fam.name,
                    "split": fam.split,
                    "obfuscation": obfuscation,
                }
            )
    for row in [*noise_rows(seed), *seed_texts()]:
        key = re.sub(r"\W+", " ", row["text"].lower()).strip()
        if key and key in seen:
            continue
        seen.add(key)
        rows.append(row)
    return rows


def corpus_path() -> Path:
    return data_root() / "corpus" / "corpus.jsonl"


def write_corpus(path: Path | None = None, seed: int = SEED) -> Path:
    path = path or corpus_path()
    rows = build_corpus(seed)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path

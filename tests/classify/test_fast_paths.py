"""The fast indicator and lexicon-pattern passes give exactly what the plain patterns give."""

from __future__ import annotations

import random

import pytest

from narcowatch.classify.artefact import load_corpus
from narcowatch.classify.indicators import INDICATORS, REFERENCE_RE, count_indicators
from narcowatch.classify.lexicon_data import load_lexicon
from narcowatch.classify.matcher import LexiconMatcher
from narcowatch.normalize.text import normalize_text

TRICKY = [
    "@shop_bot @ab @abcd 8 777 123 45 67 +7 701 1234567 18 777 123 45 67",
    "1г 0.5гр 2,5 g 10oz x5г 5 000 тг 12к $50 100usdt 3 долл bucks",
    "btc usdt trc20 trc-20 ltcx xmr monero биткоины криптой abtc",
    "https://x.onion t.me/shop site.top a.online emoji_snow emoji_snowx emoji_gem",
    "",
    "@@@ $$ 8 8 +7 ...",
]


@pytest.fixture(scope="module")
def folded_texts() -> list[str]:
    rows = load_corpus()[::3]
    rng = random.Random(11)
    alphabet = list("@bot_ 1280.,$+7-тгкрубusdtbtcmeлtps:/onionshopemoji_snowбиткоинкриптг")
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(5000)]
    return [normalize_text(r["text"]).folded for r in rows] + TRICKY + fuzz


def test_indicator_counts_equal_the_reference_pass(folded_texts: list[str]) -> None:
    for text in folded_texts:
        expected = [0] * len(INDICATORS)
        for m in REFERENCE_RE.finditer(text):
            expected[INDICATORS.index(m.lastgroup or "handle")] += 1
        got = [0] * len(INDICATORS)
        count_indicators(text, got)
        assert got == expected, text


def test_pattern_entries_match_as_written(folded_texts: list[str]) -> None:
    entries = load_lexicon()
    matcher = LexiconMatcher(entries)
    patterned = [e for e in entries if e.compiled is not None]
    assert patterned, "the lexicon has pattern entries (prices, weights)"
    assert any(fast is not e.compiled for e, fast, _ in matcher.regex_entries)
    for text in folded_texts:
        hits = matcher.match(text)
        for entry in patterned:
            assert entry.compiled is not None
            expected = [m.span() for m in entry.compiled.finditer(text)]
            assert [(h.start, h.end) for h in hits if h.entry is entry] == expected, text

"""The speed-ups of the shared pre-scan must not change a single hit.

Each fast path (byte classes for digit runs, the shared Aho-Corasick gate pass, regular
expressions rewritten to open with a character set, the mixed-script fold) is compared here
with the slow form it replaces, on hand-picked corner cases and on seeded random strings
built from the characters that matter to each.
"""

from __future__ import annotations

import random
import re

import pytest

from narcowatch.extract import cards, iban, iin, numwords, phones, quantities
from narcowatch.extract.base import Scan
from narcowatch.extract.marks import _GATE_WORDS, any_in, gate_words, marks
from narcowatch.extract.registry import get_extractors
from narcowatch.extract.substances import _fold_mixed, fold_text

# The patterns as they were before they were rewritten to open with a character set.
SLOW = {
    "card": re.compile(
        r"(?<![\w+\-.,/])(?:\d{4}[ \-\u00a0.]?){2,3}\d{4}(?:[ \-\u00a0.]?\d{1,3})?(?![\w])"
        r"|(?<![\w+\-.,/])\d{4}[ \-\u00a0]?\d{6}[ \-\u00a0]?\d{4,5}(?![\w])"
    ),
    "iin": re.compile(r"(?<![\w+\-.,/])\d{6}[ \u00a0]?\d{6}(?![\w]|[.,]\d)"),
    "iban": re.compile(
        r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]{4}){2,7}"
        r"(?:[ \u00a0]?[A-Za-z0-9]{1,4})?(?!\w)"
        r"|(?<![\w])[A-Za-z]{2}\d{2}[A-Za-z0-9]{11,30}(?!\w)"
    ),
    "phone": re.compile(
        r"(?<![\w+#№/@$€£₽₸])(?:\+\s?)?\(?\d(?:[ \t\u00a0\-.()]{0,3}\d){6,18}(?!\w)"
    ),
}
FAST = {
    "card": cards.CARD_RE,
    "iin": iin.IIN_RE,
    "iban": iban.IBAN_RE,
    "phone": phones.CANDIDATE_RE,
}
ALPHABETS = {
    "card": "0123456789 -.,/+\u00a0a",
    "iin": "0123456789 .,/+-\u00a0x",
    "iban": "KZkz0123456789 \u00a0AB_-.",
    "phone": "0123456789 +()-.\t\u00a0#№@$₸a_",
}


def _fuzz(alphabet: str, seed: int, count: int = 3000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize("name", sorted(SLOW))
def test_rewritten_patterns_match_where_the_old_ones_did(name: str) -> None:
    slow, fast = SLOW[name], FAST[name]
    for text in _fuzz(ALPHABETS[name], seed=len(name)):
        for pos in (0, 1, 3):
            got = [m.span() for m in fast.finditer(text, pos)]
            assert got == [m.span() for m in slow.finditer(text, pos)], (name, text, pos)


def test_lookalike_gate_finds_what_the_old_one_found() -> None:
    # ``digitize`` only asks whether there is a match; the new pattern reports it at the digit.
    slow = re.compile(r"[\d][ \-.]?[OoОоЗзlI]|[OoОоЗзlI][ \-.]?\d")
    for text in _fuzz("0123456789 -.OoОоЗзlIxж", seed=9):
        assert bool(numwords._ANY_LOOKALIKE.search(text)) == bool(slow.search(text)), text


def test_quantity_pattern_keeps_its_look_behind() -> None:
    slow = re.compile(
        quantities.QUANTITY_RE.pattern.replace(r"\d(?<![\w.,].)\d*", r"(?<![\w.,])\d+")
    )
    assert slow.pattern != quantities.QUANTITY_RE.pattern
    for text in _fuzz("0123456789 .,гgkкшт", seed=5):
        assert [m.span() for m in quantities.QUANTITY_RE.finditer(text)] == [
            m.span() for m in slow.finditer(text)
        ], text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "без цифр",
        "тел 8 701 123 45 67, цена 7000 ₸ — 🙂",
        "арабские ٣٤٥ и 12",  # Arabic-Indic digits: the exact, slower way
        "полноширинные １２３ цифры 45",
        "𝟘𝟙 math digits 7",
        "İstanbul 1234 İİ",  # lowering changes the length
        "\ud800 lone surrogate 77",
        "🙂" * 100 + " 5 ٣",  # more than 64 characters from U+0640 up
        "12🙂34—56№78",
    ],
)
def test_digit_runs_are_what_backslash_d_finds(text: str) -> None:
    assert Scan(text).runs == [m.span() for m in re.finditer(r"\d+", text)]


def test_digit_runs_on_random_mixed_scripts() -> None:
    alphabet = "0123456789 aяЁё@—🙂٣１İ.\n"
    for text in _fuzz(alphabet, seed=11, count=2000):
        assert Scan(text).runs == [m.span() for m in re.finditer(r"\d+", text)], text


def test_caseless_form_only_when_exact() -> None:
    assert Scan("Купи USDT").caseless == "купи usdt"
    for text in ("uſdt", "ıd", "İd", "\u1c80"):
        assert Scan(text).caseless is None


_MIXED = re.compile(r"[\w@]*(?:[а-яё][a-z0-9@]|[a-z0-9@][а-яё])[\w@]*")
_TO_CYRILLIC = str.maketrans("aeopcxykmthb03@", "аеорсхукмтнвоза")


def test_mixed_fold_equals_the_regular_expression() -> None:
    cases = ["мeф", "к0кс и кокс", "a@мир", "_мx_ плюс", "abc где", "мир—x", "xx" * 50 + "я"]
    cases += _fuzz("abcxyz03@_ мефкоа-.ё", seed=3)
    for low in cases:
        expected = _MIXED.sub(lambda m: m.group(0).translate(_TO_CYRILLIC), low)
        assert _fold_mixed(low) == expected, low


def test_fold_reports_a_rewrite() -> None:
    assert fold_text("Мeф", report=True) == ("меф", True)
    assert fold_text("Ёлка tree", report=True) == ("елка tree", False)


def test_gate_words_answer_as_substring_tests() -> None:
    get_extractors()  # every extractor registers its gate words
    words = sorted(_GATE_WORDS)
    texts = [
        "пиши @shop_kz или t.me/x",
        "Пиши СОБАКА мэйл (AT) [DOT] maps 2GIS",
        "мeф @x",  # a mixed-script word: the fold rewrites, answers come from the text
        "ё-моё, восемь сёмь",  # ё: the folded form may see more, never less
        "nothing here at all",
    ]
    for text in texts:
        low = text.lower()
        for word in words:
            if word in low:
                assert any_in(text, frozenset([word])), (text, word)


def test_gate_words_must_be_lowercase_without_yo() -> None:
    with pytest.raises(ValueError):
        gate_words("Telegram")
    with pytest.raises(ValueError):
        gate_words("ёж")


def test_marks_are_shared_per_text() -> None:
    text = "мефедрон 1г @shop"
    assert marks(text) is marks(text)
    assert marks(text).starts == [0]


def test_mirrored_context_pattern_agrees_with_the_original() -> None:
    pieces = ["№", "#", "no", "No.", "nr", "NR.", "заказ", "Заказа", "order", "ORDERS", "id"]
    pieces += ["ИД", "счёт", "Счета", "карта", "cards", "иин", "бин", "iin", "bin", "инн"]
    pieces += ["артикул", "трек", "track", "накладная", "код", "KOD", "code", "iban", "чек"]
    pieces += ["транзакция", "txid", "isbn", "issn", "штрих", "ean", " ", ":", ".", "-", "\n"]
    pieces += ["a", "x", "1", "_", "(", "я", "\t", "ſ", "İ", "..", "\n\n", "№\n"]
    rng = random.Random(1)
    for _ in range(30000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))[-24:]
        expected = bool(phones._BEFORE_RE.search(text))
        assert bool(phones._BEFORE_REVERSED.match(text[::-1])) == expected, text


def test_currency_before_check_agrees_with_the_pattern() -> None:
    from narcowatch.extract import prices

    rng = random.Random(4)
    pieces = ["$", "€", "₸", "₽", "usd", "USDT", "usdt ", " ", "\n", "x", "т", "d", "12", "5", "a"]
    pieces += ["тг", "ТЕНГЕ", "теңге", "KZT", "руб", "р", "Р.", "к", "K", "тыс.", "тысяч", "млн"]
    pieces += ["mln", "долларов", "бакс", "€", "EUR", "евро", "сом", "сомони", "tjs", "kgs", "сум"]
    pieces += ["сўм", "uzs", "btc", "бтк", "биткоин", "eth", "trx", "ton", "тон", "ſum", "\u1c83ом"]
    for _ in range(30000):
        head = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        tail = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        text = head + "7000" + tail
        start, end = len(head), len(head) + 4
        slow = bool(prices._CUR_AFTER.match(text, end)) or (
            start > 0 and prices._CUR_BEFORE.search(text, max(0, start - 6), start) is not None
        )
        assert prices._currency_next(text, start, end) == slow, text


def test_email_starts_find_every_match() -> None:
    from narcowatch.extract import emails
    from narcowatch.extract.base import finditer_from

    pieces = ["user", "a.b", "+tag", "-", "_", "@", "＠", " ", "\t", "[at]", "(at)", "{at}", " at "]
    pieces += [" собака ", "собачка", "(@)", "[@]", "[.]", "(dot)", " dot ", ".", "\\.", "mail"]
    pieces += ["kz", "com", "рф", "example", "x" * 70, "/", ":", "AT", "СОБАКА", "ru", "at"]
    rng = random.Random(8)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        low = text.lower()
        if len(low) != len(text):
            continue
        fast = finditer_from(emails.EMAIL_RE, text, emails._starts(text, low))
        assert [m.span() for m in fast] == [m.span() for m in emails.EMAIL_RE.finditer(text)], text

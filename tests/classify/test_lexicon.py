"""lexicon.v1: finds slang with spans in the original text and keeps everyday words quiet."""

from __future__ import annotations

import pytest

from narcowatch.classify.lexicon import LexiconClassifier
from narcowatch.classify.registry import get_classifier
from narcowatch.normalize.text import normalize_text


@pytest.fixture(scope="module")
def lex() -> LexiconClassifier:
    return LexiconClassifier()


@pytest.mark.parametrize(
    "text",
    [
        "Меф, шишки 🍁 закладки по Алматы 24/7, оператор @shop_bot",
        "Работа закладчиком, высокая оплата, выплаты ежедневно",
        "Мастер-клад опт, мяу 1г 15000тг",
        "Сатамын қарасора, жасырын орын, координаттар жіберем",
        "weed and coke dead drops in Almaty, dm to order",
        "трамал и феназепам остались, без рецепта, пиши в личку",
        "xans and lyrica, no script, pickup tonight",
    ],
)
def test_trade_texts_are_flagged(lex: LexiconClassifier, text: str) -> None:
    det = lex.classify(normalize_text(text))
    assert det.label == 1 and det.score >= 0.5
    assert det.classifier == "lexicon.v1"
    assert any(r.weight > 0 for r in det.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Фен для волос Philips 2000 Вт, ионизация",
        "Соль для ванн с ароматом лаванды, 1 кг",
        "Сосновые шишки для поделок и варенья",
        "Полиция задержала закладчика, изъято 2 кг мефедрона, возбуждено уголовное дело",
        "Ұсталды: полиция есірткі сатқан адамды қамауға алды",
        "Pharmacy: ibuprofen pills without prescription? No, ask your doctor.",
        "Прегабалин назначается врачом при невропатической боли, отпуск по рецепту",
        "Таблетки от изжоги без рецепта, аптека у дома",
        "Орехи и изюм на развес, фасовка от 100 г",
        "Handmade candles, link in bio",
        "",
    ],
)
def test_everyday_and_news_texts_are_not_flagged(lex: LexiconClassifier, text: str) -> None:
    det = lex.classify(normalize_text(text))
    assert det.label == 0 and det.score < 0.5


def test_reason_spans_point_into_the_original_text(lex: LexiconClassifier) -> None:
    text = "🔥🔥 НОВЫЙ ШОП: Мефедрон и закладки, отзывы в боте"
    det = lex.classify(normalize_text(text))
    spans = {text[r.start : r.end] for r in det.reasons}
    assert {"Мефедрон", "закладки", "ШОП"} <= spans
    kinds = {r.kind for r in det.reasons}
    assert {"substance", "delivery", "shop"} <= kinds


def test_repetition_does_not_inflate_the_score(lex: LexiconClassifier) -> None:
    once = lex.classify(normalize_text("меф закладки")).score
    many = lex.classify(normalize_text("меф " * 50 + "закладки")).score
    assert many == pytest.approx(once)


def test_ambiguous_words_need_an_anchor(lex: LexiconClassifier) -> None:
    assert lex.classify(normalize_text("фен шишки соль")).reasons == []
    det = lex.classify(normalize_text("фен шишки соль, закладки"))
    assert {r.term for r in det.reasons} >= {"фен", "шишки", "соль", "закладка"}


def test_registry_and_batch_agree(lex: LexiconClassifier) -> None:
    texts = ["меф закладки", "фен для волос", "weed dead drop"]
    docs = [normalize_text(t) for t in texts]
    batch = get_classifier("lexicon").classify_many(docs)
    assert [d.score for d in batch] == [lex.classify(d).score for d in docs]

"""drugs.v1 on texts the templates never produced, on obfuscation, and on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from narcowatch.classify.artefact import models_dir
from narcowatch.classify.base import Detection
from narcowatch.classify.drugs import DrugsClassifier
from narcowatch.classify.registry import get_classifier
from narcowatch.normalize.document import Document
from narcowatch.normalize.text import normalize_text

# Written for this test, in none of the corpus templates' wording.
UNSEEN_TRADE = [
    "Кто ищет где отдохнуть на выходных — пиши, всё есть 🍁❄️ доставка по Астане",
    "мефчик лучший в городе, кристаллы крупные, только самовывоз с клада",
    "Свежак завезли, бошки ак47 и лимонный хейз, пишите в ЛС",
    "ГАРАНТ ЧИСТОТЫ 💎 альфа кристалл 0.5 = 12к, Шымкент, кладом",
    "Шишки, гаш, грибы. Работаем с 10 до 2 ночи. Оператор @greenstep_ops",
    "Қарағандыда таза тауар бар, жасырын жерге қойып беремін, жаз",
    "dm for the menu, zaza and carts, delivery in Almaty tonight",
    "need a plug in Astana? we got you. pills, snow, gas. telegram only",
    "М.Е.Ф.Е.Д.Р.О.Н по лучшей цене, з@клaдки круглосуточно",
    "🚀🚀🚀 СК 1г-10000 / 2г-18000. Актобе. Отзывы @review_chat",
]
UNSEEN_LEGIT = [
    "В Астане полицейские задержали мужчину, который раскладывал закладки с мефедроном",
    "Мама купила новый фен, теперь волосы сохнут за 5 минут",
    "Собираем шишки в Боровом для новогодних поделок",
    "Продаю магнитики и сувениры из Туркестана, опт",
    "Обмен USDT на тенге, быстро и надежно, проверенный обменник",
    "Полиция Алматы: изъято 3 кг гашиша, задержаны двое",
    "Бүгін дәріханада парацетамол мен витамин алдым",
    "Police in Shymkent seized 2 kg of mephedrone, three suspects detained",
    "Есірткіге жол жоқ! Акция мектепте өтті, оқушылар плакаттар салды",
    "Ищу напарника для поиска кладов с металлоискателем в выходные",
]

# Corpus v3 (written for this test, not in the templates or the check sets): pharmacy-drug
# resale and bot rotation are trade; shop structure alone and prescriptions are not.
UNSEEN_PHARMA_ROTATION = [
    "Прегабалин по 300, двадцать капсул, рецепт не нужен, передам у ТЦ",
    "трамал и феназепам остались, без рецепта, пиши в личку",
    "Тропикамид флаконы, рецептсіз, Шымкент бойынша жеткіземіз",
    "xans and lyrica, no script, pickup tonight",
    "Бот снова заблокировали. Актуальный бот @pine_lantern_bot, ассортимент тот же",
    "Жаңа бот @saryarqa_lamp_bot, ескісі бұғатталды, барлық позиция бар",
]
UNSEEN_SHOP_FRONT = [
    "Магазин настольных игр открыл филиал в Семее, каталог по ссылке в профиле",
    "Орехи и изюм на развес, фасовка от 100 г, заказ через нашего бота",
    "Прегабалин назначается врачом при невропатической боли, отпуск по рецепту",
    "Pharmacy reminder: tramadol only with a prescription from your doctor",
    "Кулинарный канал переехал, новая ссылка в шапке",
    "Hardware shop: cement and tiles, operator online 24/7, delivery in Astana",
]


@pytest.fixture(scope="module")
def drugs(model_dir: Path) -> DrugsClassifier:
    return DrugsClassifier(model_dir)


def test_artefact_is_versioned_on_disk(model_dir: Path, drugs: DrugsClassifier) -> None:
    assert drugs.name == "drugs.v1"
    assert (models_dir(model_dir) / "drugs.v1" / "model.pkl").is_file()
    assert (models_dir(model_dir) / "drugs.v1" / "meta.json").is_file()
    assert 0.0 < drugs.thresholds["review"] <= drugs.thresholds["escalate"] < 1.0


def _classified(
    drugs: DrugsClassifier, positives: list[str], negatives: list[str]
) -> tuple[int, list[Detection], list[Document]]:
    """(how many of ``positives`` + ``negatives`` got their label, detections, documents)."""
    docs = [normalize_text(t) for t in positives + negatives]
    labels = [1] * len(positives) + [0] * len(negatives)
    dets = drugs.classify_many(docs)
    return sum(d.label == y for d, y in zip(dets, labels, strict=True)), dets, docs


def test_unseen_texts(drugs: DrugsClassifier) -> None:
    correct, dets, docs = _classified(drugs, UNSEEN_TRADE, UNSEEN_LEGIT)
    assert correct >= 18, [(d.score, t.text) for d, t in zip(dets, docs, strict=True)]
    assert all(d.classifier == "drugs.v1" for d in dets)


def test_pharma_resale_and_rotation_but_not_shop_structure_alone(drugs: DrugsClassifier) -> None:
    correct, dets, docs = _classified(drugs, UNSEEN_PHARMA_ROTATION, UNSEEN_SHOP_FRONT)
    assert correct >= 11, [(d.score, t.text) for d, t in zip(dets, docs, strict=True)]


def test_reasons_point_at_the_original_obfuscated_text(drugs: DrugsClassifier) -> None:
    text = "🔥 Мeфедрон и з.а.к.л.а.д.к.и по Алматы, оператор @snow_op"
    det = drugs.classify(normalize_text(text))
    assert det.label == 1
    spans = {text[r.start : r.end] for r in det.reasons}
    assert "Мeфедрон" in spans and "з.а.к.л.а.д.к.и" in spans
    assert any(r.kind == "ngram" for r in det.reasons)
    assert all(0 <= r.start < r.end <= len(text) for r in det.reasons)


def test_single_and_batch_agree(drugs: DrugsClassifier) -> None:
    docs = [normalize_text(t) for t in UNSEEN_TRADE[:3] + UNSEEN_LEGIT[:3]]
    batch = [d.score for d in drugs.classify_many(docs)]
    single = [drugs.classify(d).score for d in docs]
    assert batch == pytest.approx(single)
    assert drugs.classify_many([]) == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00\x01" * 50,
        bytes(range(256)).decode("latin-1") * 4,
        b"\xff\xfe\x00garbage\x80".decode("utf-8", errors="replace"),
        "\u202e\u200f ррр \u200b\u200b",
        "🔥" * 500,
    ],
)
def test_bad_input_gets_a_sensible_low_score(drugs: DrugsClassifier, text: str) -> None:
    det = drugs.classify(normalize_text(text))
    assert 0.0 <= det.score < 0.5


def test_one_megabyte_text(drugs: DrugsClassifier) -> None:
    text = ("Продам меф, закладки 24/7, оператор @shop_bot. " * 25_000)[:1_000_000]
    det = drugs.classify(normalize_text(text))
    assert det.label == 1
    assert all(r.end <= len(text) for r in det.reasons)


def test_registry_trains_nothing_when_the_artefact_exists(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NARCOWATCH_DATA_DIR", str(model_dir))
    get_classifier.cache_clear()
    try:
        clf = get_classifier("drugs")
        assert clf.name == "drugs.v1"
        assert clf.classify(normalize_text(UNSEEN_TRADE[1])).label == 1
    finally:
        get_classifier.cache_clear()


def test_registry_passes_the_data_directory(model_dir: Path) -> None:
    get_classifier.cache_clear()
    try:
        clf = get_classifier("drugs", model_dir)
        assert clf.name == "drugs.v1"
        assert get_classifier("lexicon", model_dir).name == "lexicon.v1"
    finally:
        get_classifier.cache_clear()

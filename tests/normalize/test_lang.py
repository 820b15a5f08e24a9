"""Language id: ru / kk / en / mixed / und, lingua only for ambiguous Cyrillic."""

from __future__ import annotations

import pytest

from narcowatch.normalize.text import normalize_text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Продам шишки, доставка по городу, пишите в личку", "ru"),
        ("Сатамын сапалы тауар, жеткізу қала бойынша", "kk"),
        ("Курьерлер керек, жалақы жоғары", "kk"),
        ("fresh weed in Almaty, dm @shop_bot", "en"),
        ("Меф закладки по городу, weed and coke best quality here", "mixed"),
        ("Фен для волос Philips, новый, 2200 Вт", "ru"),  # a brand name is not a language
        ("12345 !!! ...", "und"),
        ("", "und"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert normalize_text(text).lang == lang


def test_kazakh_without_special_letters_is_asked_to_lingua() -> None:
    # no ә ғ қ ң ө ұ ү һ і, but Kazakh words: the cheap statistics defer to lingua
    assert normalize_text("керек болса жаз, бар").lang == "kk"
    # and a Russian text that happens to contain "бар" (a bar) stays Russian
    assert normalize_text("Есть всё, пишите, бар на углу").lang == "ru"


def test_handles_do_not_make_russian_mixed() -> None:
    assert normalize_text("Заказ через бота @snow_rabbit_shop_bot, оператор @snow_op").lang == "ru"

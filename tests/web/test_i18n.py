"""Every UI string exists in Russian, Kazakh and English, and every key a template uses exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from narcowatch import i18n
from narcowatch.errors import NarcowatchError
from narcowatch.i18n import LANGS, catalogue, t

TEMPLATES = Path(i18n.__file__).parents[1] / "web" / "templates"
KEY_IN_TEMPLATE = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


def test_every_key_exists_in_every_language() -> None:
    keys = {lang: set(catalogue(lang)) for lang in LANGS}
    every = set().union(*keys.values())
    for lang in LANGS:
        assert every - keys[lang] == set(), f"missing in {lang}.yaml"


def test_no_empty_translations() -> None:
    for lang in LANGS:
        empty = [k for k, v in catalogue(lang).items() if not v.strip()]
        assert empty == [], f"empty strings in {lang}"


def test_placeholders_agree_across_languages() -> None:
    fields = re.compile(r"\{(\w+)\}")
    english = catalogue("en")
    for lang in ("ru", "kk"):
        for key, text in catalogue(lang).items():
            assert set(fields.findall(text)) == set(fields.findall(english[key])), (lang, key)


def test_templates_use_only_known_keys() -> None:
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        used.update(KEY_IN_TEMPLATE.findall(path.read_text(encoding="utf-8")))
    assert used, "no t() calls found: the pattern is wrong"
    known = set(catalogue("en"))
    # `t("status." ~ value)` builds keys at run time: its prefix must have keys.
    prefixes = {k for k in used if k.endswith(".")}
    missing = sorted(used - prefixes - known)
    assert missing == []
    assert all(any(k.startswith(p) for k in known) for p in prefixes)
    for status in ("new", "confirmed", "rejected", "escalated"):
        assert f"status.{status}" in known


def test_translations_differ_and_fill_placeholders() -> None:
    assert t("review.confirm", "ru") == "Подтвердить"
    assert t("review.confirm", "kk") == "Растау"
    assert t("review.confirm", "en") == "Confirm"
    assert t("review.total", "en", n=3) == "3 detections"
    assert t("review.confirm", "de") == "Подтвердить"  # unknown language: the default, ru


def test_missing_key_falls_back_to_the_key() -> None:
    assert t("no.such.key", "kk") == "no.such.key"


def test_area_catalogue_keys_must_carry_the_prefix(tmp_path: Path) -> None:
    bad = tmp_path / "en.yaml"
    bad.write_text("review.confirm: hijacked\n", encoding="utf-8")
    with pytest.raises(NarcowatchError) as err:
        i18n._load(bad, required_prefix="bot.")
    assert err.value.code == "E702"

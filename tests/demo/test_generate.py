"""The demo generator: seeded bytes, a realistic mix, invented but well-formed identifiers."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import base58
import phonenumbers
import pytest
import regex
from stdnum import luhn

from narcowatch.demo.generate import ADS_FILE, REPORTS_FILE, TRUTH_FILE, generate
from narcowatch.demo.posts import NEGATIVE_KINDS, POSITIVE_KINDS

END = date(2026, 6, 30)
SIZE = 600


@pytest.fixture(scope="module")
def demo_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, seed=7, size=SIZE, end=END)
    return out


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _truth(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (root / TRUTH_FILE).read_text("utf-8").splitlines()]


def _exports(root: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(root.glob("telegram/*/result.json"))]


def test_same_seed_same_bytes_other_seed_other_bytes(demo_set: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", seed=7, size=SIZE, end=END)
    generate(tmp_path / "other", seed=8, size=SIZE, end=END)
    assert _digests(tmp_path / "again") == _digests(demo_set)
    other = _digests(tmp_path / "other")
    assert other[ADS_FILE] != _digests(demo_set)[ADS_FILE]


def test_manifest_lists_every_file_with_its_hash(demo_set: Path) -> None:
    manifest = json.loads((demo_set / "MANIFEST.json").read_text("utf-8"))
    assert manifest["synthetic"] is True and manifest["seed"] == 7
    digests = _digests(demo_set)
    digests.pop("MANIFEST.json")
    assert manifest["files"] == digests


def test_everything_is_marked_synthetic(demo_set: Path) -> None:
    assert (demo_set / "README.txt").read_text("utf-8").startswith("SYNTHETIC DEMO DATA")
    for folder in (demo_set / "telegram").iterdir():
        assert folder.name.startswith("synthetic_")
    for export in _exports(demo_set):
        assert "[SYNTHETIC]" in export["name"]
    for rel in (ADS_FILE, REPORTS_FILE):
        assert "synthetic" in Path(rel).name
        rows = [json.loads(x) for x in (demo_set / rel).read_text("utf-8").splitlines()]
        assert rows and all(row["synthetic"] is True for row in rows)


def test_mix_of_languages_positives_and_hard_negatives(demo_set: Path) -> None:
    posts = [t for t in _truth(demo_set) if t["label"] is not None]
    assert len(posts) == SIZE
    langs = Counter(t["lang"] for t in posts)
    assert set(langs) == {"ru", "kk", "en", "mixed"}
    assert langs["ru"] > langs["kk"] > 0.1 * SIZE and langs["en"] > 0.03 * SIZE
    positives = sum(t["label"] for t in posts)
    assert 0.25 * SIZE < positives < 0.6 * SIZE
    kinds = Counter(t["kind"] for t in posts)
    for kind in (*POSITIVE_KINDS, *NEGATIVE_KINDS):
        assert kinds[kind] > 0, kind
    assert kinds["goods"] > 0 and kinds["disguised"] > 0  # the ad site's own kinds
    # Hard negatives talk about drugs without selling them.
    news = [t["text"] for t in posts if t["kind"] in {"arrest_news", "seizure_news"}]
    assert any(regex.search(r"закладчик|мефедрон|гашиш|есірткі|mephedrone", t) for t in news)
    texts = " ".join(t["text"] for t in posts if t["kind"] == "homonym").lower()
    assert "соль для ванн" in texts or "фен" in texts


def test_posts_spread_over_six_months(demo_set: Path) -> None:
    times = [datetime.fromisoformat(t["at"]) for t in _truth(demo_set) if "T" in t["at"]]
    days = {t.date() for t in times}
    assert max(times).date() <= END and (END - min(times).date()).days >= 150
    assert len(days) > 100


def test_shops_share_handles_across_channels_and_indicators_across_brands(
    demo_set: Path,
) -> None:
    manifest = json.loads((demo_set / "MANIFEST.json").read_text("utf-8"))
    shops = manifest["shops"]
    assert len(shops) >= 4
    exports = {e["name"]: e for e in _exports(demo_set)}
    for shop in shops:
        bot = "@" + shop["bot"]
        channels = [
            name
            for name, export in exports.items()
            if shop["brand"] in name and bot in json.dumps(export, ensure_ascii=False)
        ]
        assert len(channels) >= 2, (shop["key"], channels)  # main channel and mirror
    shared = Counter(
        value
        for shop in shops
        for kind in ("card", "phone")
        for value in set(shop["indicators"][kind])
    )
    assert [v for v, n in shared.items() if n > 1], "some shops must share a card or phone"
    assert sum(bool(shop["shared_with"]) for shop in shops) >= 2


def test_identifiers_are_well_formed(demo_set: Path) -> None:
    manifest = json.loads((demo_set / "MANIFEST.json").read_text("utf-8"))
    for shop in manifest["shops"]:
        for card in shop["indicators"]["card"]:
            assert len(card) == 16 and luhn.is_valid(card)
        for phone in shop["indicators"]["phone"]:
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number)
            assert phonenumbers.region_code_for_number(number) == "KZ"
            assert phone[5:8] == "000"  # the block that keeps real subscribers out
            assert phone[2:5] in {
                "700",
                "701",
                "702",
                "705",
                "707",
                "708",
                "747",
                "771",
                "775",
                "776",
                "777",
                "778",
            }
        for wallet in shop["indicators"]["crypto:trx"]:
            assert wallet.startswith("T") and base58.b58decode_check(wallet)[0] == 0x41


def test_phones_are_written_in_several_local_styles(demo_set: Path) -> None:
    text = "\n".join(t["text"] for t in _truth(demo_set))
    styles = {
        "8 7xx": r"\b8 7\d\d \d{3} \d\d \d\d\b",
        "+7(7xx)": r"\+7 ?\(7\d\d\) ?\d{3}-\d\d-\d\d",
        "+77xx compact": r"\+77\d{9}\b",
        "8-7xx-": r"\b8-7\d\d-\d{3}-\d{4}\b",
    }
    found = {name for name, pattern in styles.items() if regex.search(pattern, text)}
    assert len(found) >= 3, found


def test_telegram_exports_have_the_desktop_layout(demo_set: Path) -> None:
    exports = _exports(demo_set)
    assert {e["type"] for e in exports} == {"public_channel", "public_supergroup"}
    messages = [m for e in exports for m in e["messages"]]
    services = [m for m in messages if m["type"] == "service"]
    assert len(services) >= len(exports) and all(m["action"] for m in services)
    posts = [m for m in messages if m["type"] == "message"]
    for msg in posts:
        assert datetime.fromisoformat(msg["date"]).tzinfo is None
        assert int(msg["date_unixtime"]) > 0 and msg["from"] and msg["from_id"]
    lists = [m for m in posts if isinstance(m["text"], list)]
    strings = [m for m in posts if isinstance(m["text"], str)]
    assert lists and strings
    entity_types = {p["type"] for m in lists for p in m["text"] if isinstance(p, dict)}
    assert {"mention", "text_link", "phone", "bank_card"} <= entity_types
    assert all(
        p["href"].startswith("https://t.me/")
        for m in lists
        for p in m["text"]
        if isinstance(p, dict) and p["type"] == "text_link"
    )
    assert any("forwarded_from" in m for m in posts)
    replies = [m for m in posts if "reply_to_message_id" in m]
    assert replies and all(m["reply_to_message_id"] < m["id"] for m in replies)
    assert any("edited" in m and m["edited_unixtime"] >= m["date_unixtime"] for m in posts)
    for export in exports:
        ids = [m["id"] for m in export["messages"]]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_reports_cover_kinds_places_and_campaigns(demo_set: Path) -> None:
    rows = [json.loads(x) for x in (demo_set / REPORTS_FILE).read_text("utf-8").splitlines()]
    assert len(rows) == SIZE // 25
    assert {"link", "graffiti", "stash"} <= {r["kind"] for r in rows}
    assert all(40.5 < r["lat"] < 55.5 and 46.5 < r["lon"] < 87.5 for r in rows)
    assert len({r["region"] for r in rows}) >= 4 and any(r["campaign"] for r in rows)
    assert len({r["reporter"] for r in rows}) < len(rows)  # some reporters report again
    photos = [r["photo"] for r in rows if r.get("photo")]
    assert photos and all(r["kind"] == "graffiti" for r in rows if r.get("photo"))
    for photo in photos:
        assert (demo_set / "reports" / photo).read_bytes()[:3] == b"\xff\xd8\xff"


def test_too_small_a_set_is_refused(tmp_path: Path) -> None:
    from narcowatch.errors import NarcowatchError

    with pytest.raises(NarcowatchError) as err:
        generate(tmp_path, size=10)
    assert err.value.code == "E190"

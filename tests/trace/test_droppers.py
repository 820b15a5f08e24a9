"""Dropper requisites: per-shop cards/IBANs/phones with first/last seen, shared ones flagged."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from narcowatch.extract.base import Indicator
from narcowatch.ids import make_id
from narcowatch.store.indicators import indicator_id, save_indicators
from narcowatch.store.tables import ItemRecord, ShopMemberRecord, ShopRecord, SourceRecord
from narcowatch.trace.droppers import export_requisites, shop_requisites, timeline

CARD_A, CARD_B, IBAN = "4400430012345678", "5169497112345670", "KZ86125KZT5004100100"


def _member(s, shop: str, kind: str, member: str) -> None:  # type: ignore[no-untyped-def]
    s.add(
        ShopMemberRecord(
            id=make_id(shop, kind, member),
            shop_id=shop,
            member_type=kind,
            member_id=member,
            reason="test",
        )
    )


def _item(s, n: int, day: int, shop: str, hits: list[Indicator]) -> str:  # type: ignore[no-untyped-def]
    """An item of ``shop`` mentioning ``hits`` (shops are made by hand: the linker would merge
    two shops sharing a card, and the shops area may keep them apart, e.g. for hub cards)."""
    if s.get(ShopRecord, shop) is None:
        s.add(ShopRecord(id=shop, name=shop))
    item = ItemRecord(
        id=f"item{n}",
        source_id="src",
        external_id=str(n),
        text="",
        blob_sha256="0" * 64,
        published_at=datetime(2024, 5, day, 12, tzinfo=UTC),
    )
    s.add(item)
    s.flush()
    save_indicators(s, item, hits)
    _member(s, shop, "item", item.id)
    for hit in hits:
        iid = indicator_id(hit.type, hit.value)
        if s.get(ShopMemberRecord, make_id(shop, "indicator", iid)) is None:
            _member(s, shop, "indicator", iid)
    s.flush()
    return shop


def ind(kind: str, value: str) -> Indicator:
    return Indicator(kind, value, value, 0, len(value), True, "test")


def test_requisites_first_last_seen_shared_and_exports(any_runtime, tmp_path: Path) -> None:
    with any_runtime.db.session() as s:
        s.add(SourceRecord(id="src", kind="test", name="test"))
        s.flush()
        shop1 = _item(s, 1, 1, "kaif", [ind("telegram", "kaif_shop"), ind("card", CARD_A)])
        _item(
            s, 2, 9, "kaif", [ind("card", CARD_A), ind("iban", IBAN), ind("phone", "+77011234567")]
        )
        shop2 = _item(s, 3, 5, "other", [ind("telegram", "other_shop"), ind("card", CARD_B)])
        _item(s, 4, 7, "other", [ind("card", CARD_A)])
    assert shop1 != shop2
    with any_runtime.db.session() as s:
        mine = shop_requisites(s, shop1)
        everything = shop_requisites(s)
    card = next(r for r in mine if r.value == CARD_A)
    assert card.first_seen == datetime(2024, 5, 1, 12) and card.last_seen == datetime(
        2024, 5, 9, 12
    )
    assert card.mentions == 2 and card.shared and card.other_shops == [shop2]
    assert {r.type for r in mine} == {"card", "iban", "phone"}
    assert not next(r for r in everything if r.value == CARD_B).shared
    events = timeline(mine)
    assert [e["event"] for e in events][:1] == ["first_seen"] and events[0]["value"] == CARD_A
    csv_path = export_requisites(everything, tmp_path / "cards.csv")
    text = csv_path.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("shop_id,shop_name,type,value,first_seen")
    assert CARD_A in text and "yes" in text
    xlsx = export_requisites(everything, tmp_path / "cards.xlsx")
    sheet = load_workbook(xlsx).active
    values = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert CARD_A in values and all(isinstance(v, str) for v in values)

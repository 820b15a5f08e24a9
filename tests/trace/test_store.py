"""The Parquet store: partitions, compaction keeps every row once, and the Sankey geometry."""

from __future__ import annotations

from pathlib import Path

from narcowatch.trace.importing import import_file
from narcowatch.trace.sankey import sankey_bands
from narcowatch.trace.store import TransferStore
from tests.trace.conftest import write_plain_csv

MONTH = 31 * 86400


def test_partitions_compaction_and_signature(tmp_path: Path) -> None:
    store = TransferStore(tmp_path / "trace")
    import_file(
        store,
        write_plain_csv(
            tmp_path / "a.csv", [("a1", "S", "A", "1", 0), ("a2", "S", "B", "2", MONTH)]
        ),
    )
    import_file(
        store,
        write_plain_csv(tmp_path / "b.csv", [("b1", "A", "B", "3", 10), ("a1", "S", "A", "1", 0)]),
    )
    months = sorted(p.parent.name for p in store.files())
    assert months == ["month=2024-05", "month=2024-05", "month=2024-06"]
    before = store.signature()
    assert store.compact() == 1
    assert len(store.files()) == 2 and store.count() == 3
    assert store.signature() != before


def test_sankey_bands_are_proportional() -> None:
    data = {
        "cashouts": [
            {"label": "A", "category": "exchange", "amount": "75", "address": "a"},
            {"label": "", "category": "exchange", "amount": "25", "address": "b"},
        ]
    }
    bands = sankey_bands(data)
    assert [b["share"] for b in bands] == [75.0, 25.0]
    assert bands[1]["label"] == "b"
    assert abs(bands[0]["h"] / bands[1]["h"] - 3) < 0.01
    assert sankey_bands({"cashouts": []}) == []

"""Importers: every format, exact amounts, duplicates ignored, bad lines reported and skipped."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import base58
import duckdb
import pytest

from narcowatch.errors import TraceError
from narcowatch.trace.addresses import eip55, guess_chain, normalize_address
from narcowatch.trace.importing import import_file
from narcowatch.trace.store import INPUT_SCHEMA, TRANSFER_SCHEMA, TransferStore
from tests.trace.conftest import USDT, addr


def rows(store: TransferStore, dataset: str = "transfers") -> list[tuple]:
    schema = TRANSFER_SCHEMA if dataset == "transfers" else INPUT_SCHEMA
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT {', '.join(schema.names)} FROM {store.scan_sql(dataset)} ORDER BY tx_hash, idx"
        ).fetchall()
    finally:
        con.close()


def btc(n: int) -> str:
    return base58.b58encode_check(b"\x00" + hashlib.sha256(b"btc%d" % n).digest()[:20]).decode()


@pytest.mark.parametrize(
    ("chain", "address", "ok"),
    [
        ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", True),
        ("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", False),
        ("bitcoin", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", True),
        ("bitcoin", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3", False),
        ("bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", True),
        ("bitcoin", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdz", False),
        ("bitcoin", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", True),
        ("ethereum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", True),
        ("ethereum", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", False),
        ("ethereum", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", True),
    ],
)
def test_address_checksums(chain: str, address: str, ok: bool) -> None:
    if ok:
        assert normalize_address(chain, address)
    else:
        with pytest.raises(TraceError) as err:
            normalize_address(chain, address)
        assert err.value.code == "E810"


def test_address_helpers() -> None:
    assert (
        eip55("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
        == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    assert guess_chain("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") == "tron"
    with pytest.raises(TraceError) as err:
        normalize_address("dogecoin", "D123")
    assert err.value.code == "E801"


def test_tron_csv_exact_amounts_duplicates_and_bad_lines(tmp_path: Path) -> None:
    a, b = addr("a"), addr("b")
    csv = tmp_path / "trc20.csv"
    csv.write_text(
        "token_address,from_address,to_address,value,block_timestamp,transaction_hash,log_index\n"
        f"{USDT},{a},{b},1234567891,1714600000000,aa01,0\n"
        f"{USDT},{a},{b},1234567891,1714600000000,aa01,0\n"  # duplicate in the file
        f"{USDT},{a},{b},5,1714600000,aa01,1\n"
        f"{USDT},{a},{b[:-1]}x,1,1714600000,aa02,0\n"  # bad checksum
        f"{USDT},{a},{b},12.5,1714600000,aa03,0\n"  # not base units
        f"TXYZunknownTokenAddressxxxxxxxxxxx,{a},{b},1,1714600000,aa04,0\n"
        f"{USDT},{a},{b},1,99,aa05,0\n"  # 1970
        f"{USDT},{a},{b},1,1714600000,aa06,zero\n",
        encoding="utf-8",
    )
    store = TransferStore(tmp_path / "trace")
    report = import_file(store, csv)
    assert report.fmt == "tron"
    assert (report.lines, report.imported, report.duplicates, report.skipped) == (8, 2, 1, 5)
    codes = {line: msg.split(":")[0] for line, msg in report.errors}
    assert codes == {5: "E810", 6: "E803", 7: "E802", 8: "E804", 9: "E805"}
    stored = rows(store)
    assert [r[1] for r in stored] == ["aa01", "aa01"]
    assert stored[0][6] == Decimal("1234.567891") and stored[1][6] == Decimal("0.000005")
    again = import_file(store, csv)
    assert again.imported == 0 and again.duplicates == 3
    assert len(rows(store)) == 2


def test_ethereum_etl_with_blocks_file(tmp_path: Path) -> None:
    usdt = "0xdac17f958d2ee523a2206206994597c13d831ec7"
    a, b = "0x" + "11" * 20, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    transfers = tmp_path / "token_transfers.csv"
    transfers.write_text(
        "token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n"
        f"{usdt},{a},{b},2500000,0xAB,3,100\n"
        f"{usdt},{a},{b},1,0xac,0,999\n",
        encoding="utf-8",
    )
    blocks = tmp_path / "blocks.csv"
    blocks.write_text("number,timestamp\n100,1714600000\n", encoding="utf-8")
    store = TransferStore(tmp_path / "trace")
    report = import_file(store, transfers, blocks=blocks)
    assert report.fmt == "ethereum" and report.imported == 1
    assert report.errors[0][0] == 3 and "block 999" in report.errors[0][1]
    row = rows(store)[0]
    assert row[1:7] == ("0xab", 3, a, b.lower(), "USDT", Decimal("2.5"))


def test_plain_csv_and_unknown_chain(tmp_path: Path) -> None:
    csv = tmp_path / "plain.csv"
    csv.write_text(
        "chain,tx_hash,from,to,asset,amount,timestamp\n"
        f"tron,t1,{addr('a')},{addr('b')},USDT,10.25,2024-05-02T10:00:00Z\n"
        f"litecoin,t2,x,y,LTC,1,2024-05-02T10:00:00Z\n"
        f"tron,t3,{addr('a')},{addr('b')},USDT,1.1234567,2024-05-02T10:00:00Z\n",
        encoding="utf-8",
    )
    store = TransferStore(tmp_path / "trace")
    report = import_file(store, csv)
    assert report.fmt == "plain" and report.imported == 1
    assert [code.split(":")[0] for _, code in report.errors] == ["E801", "E803"]


def test_bitcoin_json_split_inputs_and_coinjoin(tmp_path: Path) -> None:
    a1, a2, a3, b1 = btc(1), btc(2), btc(3), btc(4)
    cj = [btc(10 + i) for i in range(4)]
    txs = [
        {
            "hash": "11" * 32,
            "block_timestamp": 1714600000,
            "is_coinbase": False,
            "inputs": [{"addresses": [a1], "value": 3000}, {"addresses": [a2], "value": 1000}],
            "outputs": [
                {"index": 0, "addresses": [b1], "value": 2001},
                {"index": 1, "addresses": [a3], "value": 1899},
            ],
        },
        {
            "hash": "22" * 32,
            "block_timestamp": 1714600100,
            "is_coinbase": True,
            "inputs": [],
            "outputs": [{"index": 0, "addresses": [a1], "value": 625000000}],
        },
        {
            "hash": "33" * 32,
            "block_timestamp": 1714600200,
            "inputs": [{"addresses": [c], "value": 1500} for c in cj],
            "outputs": [{"index": i, "addresses": [btc(20 + i)], "value": 1000} for i in range(4)]
            + [{"index": 4, "addresses": [btc(30)], "value": 1900}],
        },
    ]
    path = tmp_path / "transactions.json"
    lines = [json.dumps(t) for t in txs]
    lines.insert(1, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = TransferStore(tmp_path / "trace")
    report = import_file(store, path)
    assert report.fmt == "bitcoin" and report.errors[0][0] == 2
    first = [r for r in rows(store) if r[1] == "11" * 32]
    by_pair = {(r[3], r[4]): r[6] for r in first}
    # 2001 sat split 3:1 -> 1501 + 500 (largest remainder), 1899 -> 1424 + 475 (exact sums)
    assert by_pair[(a1, b1)] + by_pair[(a2, b1)] == Decimal("0.00002001")
    assert by_pair[(a1, b1)] == Decimal("0.00001501")
    assert by_pair[(a1, a3)] + by_pair[(a2, a3)] == Decimal("0.00001899")
    inputs = rows(store, "inputs")
    assert {r[3] for r in inputs if r[1] == "11" * 32} == {a1, a2}
    assert all(r[8] for r in inputs if r[1] == "33" * 32)  # CoinJoin-like: flagged
    assert not any(r[8] for r in inputs if r[1] == "11" * 32)


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    store = TransferStore(tmp_path / "trace")
    with pytest.raises(TraceError) as err:
        import_file(store, tmp_path / "nope.csv")
    assert err.value.code == "E806"
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(TraceError):
        import_file(store, odd)

"""Deposit-address detection on a generated world, and common-input clustering."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import base58

from narcowatch.trace.clustering import cluster_inputs, explain_cluster
from narcowatch.trace.deposits import detect_deposits, tag_deposits
from narcowatch.trace.importing import import_file
from narcowatch.trace.store import TransferStore
from narcowatch.trace.tags import Tag, TagIndex


def test_deposit_detection_finds_the_sweeping_addresses(scenario_store, runtime) -> None:
    store, scenario, _ = scenario_store
    hot_only = TagIndex(
        {h: [Tag(n, "exchange", "bench", 100)] for h, n in scenario.hot_wallets.items()}
    )
    hits = detect_deposits(store, hot_only, "tron")
    found = {h.address for h in hits}
    laundering = set().union(*scenario.truth.values())
    assert laundering <= found  # every deposit a shop's money reached is recognised
    assert found <= set(scenario.deposits)  # and nothing else is called a deposit
    hit = next(h for h in hits if h.address in laundering)
    assert hit.exchange == scenario.deposits[hit.address] and hit.share >= 0.95
    with runtime.db.session() as s:
        assert tag_deposits(s, hits[:5], "tron") == 5
        index = TagIndex.load(s, "tron")
    assert index.get(hits[0].address)[0].origin == "deposit"


def _btc(n: int) -> str:
    return base58.b58encode_check(b"\x00" + hashlib.sha256(b"c%d" % n).digest()[:20]).decode()


def test_common_input_clusters_skip_coinjoin_and_keep_reasons(tmp_path: Path) -> None:
    def tx(h: str, ins: list[int], outs: list[tuple[int, int]]) -> str:
        return json.dumps(
            {
                "hash": h * 32,
                "block_timestamp": 1714600000,
                "inputs": [{"addresses": [_btc(i)], "value": 5000} for i in ins],
                "outputs": [
                    {"index": k, "addresses": [_btc(a)], "value": v}
                    for k, (a, v) in enumerate(outs)
                ],
            }
        )

    lines = [
        tx("a1", [1, 2], [(9, 100)]),
        tx("a2", [2, 3], [(9, 100)]),
        tx("a3", [4, 5], [(9, 100)]),
        tx("a4", [3, 6, 7, 8], [(20, 1000), (21, 1000), (22, 1000), (23, 50)]),  # CoinJoin-like
    ]
    path = tmp_path / "txs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = TransferStore(tmp_path / "trace")
    import_file(store, path)
    report = cluster_inputs(store)
    assert report.coinjoin_txs_excluded == 1
    assert report.inputs == 10 and report.multi_address_clusters == 2
    explained = explain_cluster(store, _btc(3))
    assert set(explained["members"]) == {_btc(1), _btc(2), _btc(3)}
    assert explained["cluster"] == min(_btc(1), _btc(2), _btc(3))
    assert {link["tx_hash"] for link in explained["links"]} == {"a1" * 32, "a2" * 32}
    assert all("common-input" in link["reason"] for link in explained["links"])
    assert set(explain_cluster(store, _btc(6))["members"]) == {_btc(6)}

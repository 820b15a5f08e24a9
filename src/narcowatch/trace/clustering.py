"""Common-input clustering for UTXO chains, with the reason for every merge.

Addresses spent together as inputs of one transaction are (most likely) controlled by
one wallet, except in CoinJoin-like transactions, which are excluded (flagged at import,
see ``import_btc.is_coinjoin``). Connected components come from SciPy's C implementation
over integer codes (pyarrow dictionary encoding), so 100 M inputs fit in memory and time.
Each address keeps the link that merged it: (address, linked_to, tx_hash).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from narcowatch.errors import TraceError
from narcowatch.trace.store import TransferStore, arrow_of

log = logging.getLogger(__name__)


@dataclass
class ClusterReport:
    inputs: int
    addresses: int
    clusters: int
    multi_address_clusters: int
    largest: int
    coinjoin_txs_excluded: int
    path: str = ""


def components(
    tx_codes: np.ndarray, addr_codes: np.ndarray, n_addresses: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cluster labels per address, plus the merge links (address code, partner code, row)."""
    order = np.argsort(tx_codes, kind="stable")
    tx_sorted, addr_sorted = tx_codes[order], addr_codes[order]
    starts = np.r_[True, tx_sorted[1:] != tx_sorted[:-1]]
    first = addr_sorted[np.maximum.accumulate(np.where(starts, np.arange(len(starts)), 0))]
    link = addr_sorted != first
    graph = coo_matrix(
        (np.ones(int(link.sum()), dtype=np.int8), (addr_sorted[link], first[link])),
        shape=(n_addresses, n_addresses),
    )
    _, labels = connected_components(graph, directed=False)
    return labels, np.stack([addr_sorted[link], first[link]]), order[link]


def cluster_inputs(store: TransferStore, chain: str = "bitcoin") -> ClusterReport:
    """Cluster every input address of ``chain``; writes clusters/ and cluster_links/ Parquet."""
    con = duckdb.connect()
    try:
        table = arrow_of(
            con,
            f"SELECT tx_hash, address, coinjoin FROM {store.scan_sql('inputs')} "
            "WHERE chain = ? ORDER BY tx_hash, idx",
            [chain],
        )
    finally:
        con.close()
    if table.num_rows == 0:
        raise TraceError(
            f"no {chain} transaction inputs imported: import bitcoin-etl transactions first",
            code="E837",
        )
    coinjoin = table.column("coinjoin").to_numpy(zero_copy_only=False)
    excluded = len(set(pc.filter(table.column("tx_hash"), table.column("coinjoin")).to_pylist()))
    addresses = table.column("address").combine_chunks().dictionary_encode()
    names = addresses.dictionary
    addr_codes = addresses.indices.to_numpy().astype(np.int64)
    keep = ~coinjoin
    tx = (
        table.column("tx_hash")
        .combine_chunks()
        .dictionary_encode()
        .indices.to_numpy()
        .astype(np.int64)
    )
    labels, links, rows = components(tx[keep], addr_codes[keep], len(names))
    sizes = np.bincount(labels)
    # a cluster is named after its smallest address, so ids are stable across runs: walking
    # addresses from largest to smallest, the last write per label is the smallest one
    by_name = pc.sort_indices(names).to_numpy()
    first_of_label = np.full(len(sizes), -1, dtype=np.int64)
    first_of_label[labels[by_name[::-1]]] = by_name[::-1]
    cluster_name = pc.take(names, pa.array(first_of_label[labels]))
    out = store.root / "clusters" / f"chain={chain}"
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"address": names, "cluster": cluster_name, "size": sizes[labels]}),
        out / "clusters.parquet",
    )
    kept_tx = pc.take(table.column("tx_hash"), pa.array(np.flatnonzero(keep)[rows]))
    pq.write_table(
        pa.table(
            {
                "address": pc.take(names, pa.array(links[0])),
                "linked_to": pc.take(names, pa.array(links[1])),
                "tx_hash": kept_tx,
            }
        ),
        out / "cluster_links.parquet",
    )
    return ClusterReport(
        inputs=table.num_rows,
        addresses=len(names),
        clusters=len(sizes),
        multi_address_clusters=int((sizes > 1).sum()),
        largest=int(sizes.max(initial=0)),
        coinjoin_txs_excluded=excluded,
        path=str(out),
    )


def explain_cluster(
    store: TransferStore, address: str, chain: str = "bitcoin"
) -> dict[str, object]:
    """The cluster of ``address``; for each member, which transaction merged it, with whom."""
    folder = store.root / "clusters" / f"chain={chain}"
    if not (folder / "clusters.parquet").exists():
        return {"address": address, "cluster": None, "members": [], "links": []}
    con = duckdb.connect()
    try:
        row = con.execute(
            f"SELECT cluster FROM '{folder / 'clusters.parquet'}' WHERE address = ?", [address]
        ).fetchone()
        if row is None:
            return {"address": address, "cluster": None, "members": [], "links": []}
        members = [
            r[0]
            for r in con.execute(
                f"SELECT address FROM '{folder / 'clusters.parquet'}' WHERE cluster = ? "
                "ORDER BY address",
                [row[0]],
            ).fetchall()
        ]
        links = con.execute(
            f"SELECT DISTINCT ON (address, linked_to) address, linked_to, tx_hash FROM "
            f"'{folder / 'cluster_links.parquet'}' WHERE address IN (SELECT unnest(?)) "
            "ORDER BY address, linked_to, tx_hash",
            [members],
        ).fetchall()
    finally:
        con.close()
    return {
        "address": address,
        "cluster": row[0],
        "members": members,
        "links": [
            {
                "address": a,
                "linked_to": b,
                "tx_hash": t,
                "reason": f"spent together as inputs of transaction {t} (common-input heuristic)",
            }
            for a, b, t in links
        ],
    }


def cluster_folder(store: TransferStore, chain: str) -> Path:
    return store.root / "clusters" / f"chain={chain}"

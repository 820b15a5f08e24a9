"""Deposit-address detection for account chains (TRON, Ethereum).

Exchanges give every customer a deposit address and sweep it into their hot wallet, so an
untagged address that sends (almost) everything it receives to a tagged exchange address
is that exchange's deposit address: the point where a customer, and so a person, cashed
out. Detected deposits become tags (with the figures as the reason) so traces stop there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.orm import Session

from narcowatch.trace.store import TransferStore
from narcowatch.trace.tags import TagIndex, add_tag

SOURCE = "narcowatch deposit detection v1"


@dataclass(frozen=True)
class DepositHit:
    address: str
    exchange: str  # the tagged address it sweeps into
    exchange_label: str
    received: Decimal
    swept: Decimal
    share: Decimal  # swept / everything it sent
    sweeps: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("received", "swept", "share"):
            data[key] = str(data[key])
        return data


def exchange_addresses(tags: TagIndex) -> dict[str, str]:
    """Tagged exchange addresses that are not themselves detected deposits."""
    found = {}
    for address, entries in tags.tags.items():
        for tag in entries:
            if tag.category == "exchange" and tag.origin != "deposit":
                found[address] = tag.label
                break
    return found


def detect_deposits(
    store: TransferStore,
    tags: TagIndex,
    chain: str = "tron",
    *,
    min_share: float = 0.95,
    min_swept_of_received: float = 0.8,
) -> list[DepositHit]:
    """Untagged senders whose outflow goes >= ``min_share`` to one tagged exchange."""
    exchanges = exchange_addresses(tags)
    if not exchanges:
        return []
    ex = pa.table({"address": list(exchanges), "label": list(exchanges.values())})
    con = duckdb.connect()
    try:
        con.register("ex", ex)
        rows = con.execute(
            f"""
            WITH t AS (SELECT from_addr, to_addr, amount FROM {store.scan_sql()} WHERE chain = ?),
            sent AS (SELECT from_addr AS address, sum(amount) AS total FROM t GROUP BY 1),
            got AS (SELECT to_addr AS address, sum(amount) AS total FROM t GROUP BY 1),
            per_ex AS (
                SELECT t.from_addr AS address, t.to_addr AS exchange, sum(t.amount) AS swept,
                       count(*) AS sweeps
                FROM t JOIN ex ON t.to_addr = ex.address
                WHERE t.from_addr NOT IN (SELECT address FROM ex)
                GROUP BY 1, 2
            ),
            best AS (
                SELECT * FROM per_ex
                QUALIFY row_number() OVER (PARTITION BY address ORDER BY swept DESC, exchange) = 1
            )
            SELECT b.address, b.exchange, ex.label, coalesce(g.total, 0), b.swept,
                   b.swept / s.total, b.sweeps
            FROM best b JOIN sent s USING (address) LEFT JOIN got g USING (address)
            JOIN ex ON ex.address = b.exchange
            WHERE b.swept >= ? * s.total AND b.swept >= ? * coalesce(g.total, 0)
              AND coalesce(g.total, 0) > 0
            ORDER BY b.address
            """,
            [chain, min_share, min_swept_of_received],
        ).fetchall()
    finally:
        con.close()
    return [
        DepositHit(
            a, e, label, Decimal(r), Decimal(s), Decimal(share).quantize(Decimal("0.0001")), int(n)
        )
        for a, e, label, r, s, share, n in rows
    ]


def tag_deposits(
    session: Session, hits: list[DepositHit], chain: str, *, created_by: str = ""
) -> int:
    """Store detected deposits as exchange tags (origin "deposit"), with their figures."""
    for hit in hits:
        add_tag(
            session,
            chain=chain,
            address=hit.address,
            label=f"{hit.exchange_label} deposit",
            category="exchange",
            source=SOURCE,
            confidence=60,
            origin="deposit",
            created_by=created_by,
            note=(
                f"sent {hit.share:.2%} of its outflow ({hit.swept}) to {hit.exchange} "
                f"in {hit.sweeps} sweep(s); received {hit.received}"
            ),
            meta={"hot_wallet": hit.exchange, "swept": str(hit.swept)},
            audit_log=False,
        )
    return len(hits)

"""Row readers for the transfer exports analysts get: one function per format.

Each reader yields ``(line_number, record_or_error)``; a record is a dict in the store's
transfer schema, an error is a ``TraceError`` saying what is wrong with that line. The
caller counts, reports and skips errors, so one bad line never loses the rest of a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from typing import Any

from narcowatch.errors import TraceError
from narcowatch.trace.addresses import CHAINS, normalize_address
from narcowatch.trace.assets import parse_amount, resolve_asset
from narcowatch.trace.timestamps import parse_ts

Parsed = tuple[int, dict[str, Any] | TraceError]

ALIASES = {
    "token": ("token_address", "token", "contract", "contract_address", "asset"),
    "from": ("from_address", "from", "from_addr", "sender"),
    "to": ("to_address", "to", "to_addr", "receiver"),
    "value": ("value", "amount", "quant"),
    "tx": ("transaction_hash", "tx_hash", "hash", "transaction_id", "txid"),
    "idx": ("log_index", "idx", "index", "event_index"),
    "ts": ("block_timestamp", "timestamp", "ts", "time", "block_time"),
    "block": ("block_number", "block", "block_num"),
    "chain": ("chain", "network", "blockchain"),
}


def _pick(row: Mapping[str, str], key: str, *, required: bool = True) -> str:
    for name in ALIASES[key]:
        if name in row and row[name] not in (None, ""):
            return row[name]
    if required:
        raise TraceError(f"missing column or value {ALIASES[key][0]!r}", code="E805")
    return ""


def _transfer(
    chain: str,
    row: Mapping[str, str],
    asset_name: str,
    *,
    base_units: bool,
    ts: int | None = None,
    idx_default: int = 0,
) -> dict[str, Any]:
    if chain not in CHAINS:
        raise TraceError(f"unknown chain {chain!r}; supported: {', '.join(CHAINS)}", code="E801")
    asset = resolve_asset(chain, asset_name)
    tx_hash = _pick(row, "tx").strip()
    if chain != "tron":
        tx_hash = tx_hash.lower()
    raw_idx = _pick(row, "idx", required=False)
    try:
        idx = int(raw_idx) if raw_idx else idx_default
    except ValueError as exc:
        raise TraceError(f"index {raw_idx!r} is not an integer", code="E805") from exc
    return {
        "chain": chain,
        "tx_hash": tx_hash,
        "idx": idx,
        "from_addr": normalize_address(chain, _pick(row, "from")),
        "to_addr": normalize_address(chain, _pick(row, "to")),
        "asset": asset.symbol,
        "amount": parse_amount(_pick(row, "value"), asset.decimals, base_units=base_units),
        "ts": ts if ts is not None else parse_ts(_pick(row, "ts")),
    }


def _csv_rows(stream: io.TextIOBase) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(stream)
    if not reader.fieldnames:
        return
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def read_tron_csv(stream: io.TextIOBase) -> Iterator[Parsed]:
    """tronetl-style TRC20 token transfers: token_address, from/to, value (base units)..."""
    for line, row in _csv_rows(stream):
        try:
            yield line, _transfer("tron", row, _pick(row, "token"), base_units=True)
        except TraceError as exc:
            yield line, exc


def read_ethereum_csv(
    stream: io.TextIOBase, blocks: Mapping[int, int] | None = None
) -> Iterator[Parsed]:
    """ethereum-etl token_transfers.csv; timestamps from a column or a blocks.csv mapping."""
    for line, row in _csv_rows(stream):
        try:
            ts = None
            if not _pick(row, "ts", required=False):
                block = int(_pick(row, "block"))
                if not blocks or block not in blocks:
                    raise TraceError(
                        f"no timestamp for block {block}: pass the matching blocks.csv", code="E804"
                    )
                ts = blocks[block]
            yield line, _transfer("ethereum", row, _pick(row, "token"), base_units=True, ts=ts)
        except (TraceError, ValueError) as exc:
            yield line, exc if isinstance(exc, TraceError) else TraceError(str(exc), code="E805")


def read_plain_csv(stream: io.TextIOBase) -> Iterator[Parsed]:
    """chain, tx_hash, from, to, asset, amount (in units, e.g. 12.5 USDT), timestamp."""
    for line, row in _csv_rows(stream):
        try:
            chain = _pick(row, "chain").lower()
            yield line, _transfer(chain, row, _pick(row, "token"), base_units=False)
        except TraceError as exc:
            yield line, exc


def read_blocks_csv(stream: io.TextIOBase) -> dict[int, int]:
    """ethereum-etl blocks.csv (number, timestamp) as {block: epoch seconds}."""
    return {int(row["number"]): parse_ts(row["timestamp"]) for _, row in _csv_rows(stream)}

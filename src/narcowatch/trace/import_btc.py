"""bitcoin-etl transactions (JSON lines or a JSON array) into transfers and spent inputs.

A UTXO transaction has no sender per output, so each output's value is split over the
input addresses in proportion to what they put in (as GraphSense's address graph does),
in whole satoshis with the largest-remainder rule so the parts add up exactly. Inputs
are kept as their own rows for common-input clustering, with a CoinJoin flag.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

import ijson

from narcowatch.errors import TraceError
from narcowatch.trace.addresses import normalize_address
from narcowatch.trace.assets import QUANTUM
from narcowatch.trace.timestamps import parse_ts

SATOSHI = Decimal("0.00000001")
MAX_PAIRS = 50_000  # a transaction with more input x output pairs is recorded by inputs only


def is_coinjoin(n_inputs: int, output_values: list[int]) -> bool:
    """CoinJoin-like: several inputs and at least 3 (and >= half of) outputs of one equal value."""
    if n_inputs < 3 or len(output_values) < 3:
        return False
    value, count = (
        Counter(v for v in output_values if v > 0).most_common(1)[0]
        if any(output_values)
        else (0, 0)
    )
    return value > 0 and count >= 3 and count * 2 >= len(output_values)


def split(value: int, weights: list[int]) -> list[int]:
    """``value`` split in proportion to ``weights``; integer parts that sum to ``value``."""
    total = sum(weights)
    if total <= 0:
        return [value // len(weights)] * (len(weights) - 1) + [
            value - value // len(weights) * (len(weights) - 1)
        ]
    shares = [value * w // total for w in weights]
    rest = value - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(value * weights[i] % total), i))
    for i in order[:rest]:
        shares[i] += 1
    return shares


def _address(entry: dict[str, Any]) -> str | None:
    addrs = entry.get("addresses") or []
    if len(addrs) != 1:
        return None  # bare multisig or non-standard script: no single owner
    return normalize_address("bitcoin", str(addrs[0]))


def convert(tx: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One bitcoin-etl transaction as (transfer rows, input rows)."""
    tx_hash = str(tx.get("hash") or "").lower()
    if len(tx_hash) != 64:
        raise TraceError(f"transaction hash {tx_hash!r} is not 64 hex digits", code="E805")
    ts = parse_ts(tx.get("block_timestamp", ""))
    ins = [(_address(i), int(i.get("value") or 0)) for i in tx.get("inputs") or []]
    outs = [
        (_address(o), int(o.get("value") or 0), int(o.get("index", n)))
        for n, o in enumerate(tx.get("outputs") or [])
    ]
    if tx.get("is_coinbase") or not ins:
        return [], []
    coinjoin = is_coinjoin(len(ins), [v for _, v, _ in outs])
    inputs = [
        {
            "chain": "bitcoin",
            "tx_hash": tx_hash,
            "idx": n,
            "address": addr,
            "amount": (Decimal(v) * SATOSHI).quantize(QUANTUM),
            "ts": ts,
            "n_inputs": len(ins),
            "n_outputs": len(outs),
            "coinjoin": coinjoin,
        }
        for n, (addr, v) in enumerate(ins)
        if addr
    ]
    known = [(addr, v) for addr, v in ins if addr]
    transfers: list[dict[str, Any]] = []
    if not known or len(known) * len(outs) > MAX_PAIRS:
        return transfers, inputs
    for to_addr, value, out_index in outs:
        if to_addr is None:
            continue
        for in_pos, ((from_addr, _), part) in enumerate(
            zip(known, split(value, [v for _, v in known]), strict=True)
        ):
            if part == 0 or from_addr == to_addr:
                continue
            transfers.append(
                {
                    "chain": "bitcoin",
                    "tx_hash": tx_hash,
                    "idx": out_index * len(known) + in_pos,
                    "from_addr": from_addr,
                    "to_addr": to_addr,
                    "asset": "BTC",
                    "amount": (Decimal(part) * SATOSHI).quantize(QUANTUM),
                    "ts": ts,
                }
            )
    return transfers, inputs


def read_bitcoin_json(
    stream: IO[bytes],
) -> Iterator[tuple[int, tuple[list[dict[str, Any]], list[dict[str, Any]]] | TraceError]]:
    """Yield (line or element number, (transfers, inputs) or error)."""
    head = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
    if head.lstrip().startswith(b"["):
        for number, tx in enumerate(ijson.items(stream, "item", use_float=False), start=1):
            yield number, _safe(tx)
        return
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            tx = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, TraceError(f"not JSON: {exc.msg}", code="E805")
            continue
        yield number, _safe(tx)


def _safe(tx: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | TraceError:
    if not isinstance(tx, dict):
        return TraceError("a transaction must be a JSON object", code="E805")
    try:
        return convert(tx)
    except TraceError as exc:
        return exc
    except (TypeError, ValueError) as exc:
        return TraceError(f"bad transaction: {exc}", code="E805")

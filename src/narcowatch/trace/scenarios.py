"""Seeded, USDT-on-TRON-shaped transfer graphs with known ground truth (tests and bench).

The world: users whose activity follows a power law (Zipf), exchanges with one hot wallet
(a huge hub) and many deposit addresses that sweep into it, and drug shops paid by users.
Each shop launders through layering chains, peel chains and mule fan-outs that end at
exchange deposit addresses; some mules also spend on unrelated users (noise that a poison
trace cannot tell apart). The truth is, per shop, the deposit addresses its money reached.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

import base58
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from narcowatch.trace.b58vec import tron_addresses
from narcowatch.trace.store import TRANSFER_SCHEMA, TransferStore

T0 = 1_714_521_600  # 2024-05-01T00:00:00Z
DAY = 86_400
MICRO = pa.scalar(Decimal("0.000001"), pa.decimal128(7, 6))


def tron_address(salt: str, number: int) -> str:
    """A valid (base58check, 0x41) TRON address derived from ``salt`` and ``number``."""
    raw = b"\x41" + hashlib.sha256(f"{salt}:{number}".encode()).digest()[:20]
    return base58.b58encode_check(raw).decode()


@dataclass
class ScenarioConfig:
    seed: int = 7
    transfers: int = 20_000
    shops: int = 5
    exchanges: int = 4
    days: int = 90
    chunk: int = 2_000_000


@dataclass
class Scenario:
    config: ScenarioConfig
    hot_wallets: dict[str, str] = field(default_factory=dict)  # address -> exchange name
    deposits: dict[str, str] = field(default_factory=dict)  # deposit address -> hot wallet
    shops: list[str] = field(default_factory=list)
    truth: dict[str, set[str]] = field(default_factory=dict)  # shop -> deposit addresses reached
    written: int = 0


class _Builder:
    def __init__(self, cfg: ScenarioConfig) -> None:
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg.seed)
        self.users: list[str] = tron_addresses(self.rng, max(200, cfg.transfers // 20)).to_pylist()
        self.scenario = Scenario(cfg)
        for e in range(cfg.exchanges):
            self.scenario.hot_wallets[tron_address(f"hot{cfg.seed}", e)] = f"Exchange {e + 1}"
        hots = list(self.scenario.hot_wallets)
        n_dep = max(20, len(self.users) // 4)
        self.deposits: list[str] = tron_addresses(self.rng, n_dep).to_pylist()
        self.deposit_hot = self.rng.integers(0, len(hots), n_dep)
        for d, h in zip(self.deposits, self.deposit_hot, strict=True):
            self.scenario.deposits[d] = hots[h]
        self.hots = hots
        self.rows: list[tuple[str, str, int, int]] = []  # from, to, micro-units, ts
        self.fresh = 0

    def new_address(self, kind: str) -> str:
        self.fresh += 1
        return tron_address(f"{kind}{self.cfg.seed}", self.fresh)

    def deposit_for(self, extra: list[str]) -> str:
        dep = self.new_address("ldep")
        hot = self.hots[int(self.rng.integers(0, len(self.hots)))]
        self.scenario.deposits[dep] = hot
        extra.append(dep)
        return dep

    def send(self, src: str, dst: str, units: int, ts: int) -> None:
        self.rows.append((src, dst, int(units), int(ts)))

    def shop(self, number: int) -> None:
        rng, end = self.rng, T0 + self.cfg.days * DAY
        shop = tron_address(f"shop{self.cfg.seed}", number)
        self.scenario.shops.append(shop)
        reached: list[str] = []
        start = T0 + int(rng.integers(0, self.cfg.days // 3 * DAY))
        income = 0
        for _ in range(int(rng.integers(20, 60))):  # buyers pay
            units = int(rng.integers(20, 300)) * 1_000_000
            income += units
            self.send(
                self.users[int(rng.integers(0, len(self.users)))],
                shop,
                units,
                start + int(rng.integers(0, 5 * DAY)),
            )
        ts = start + 6 * DAY
        budget = income // 3
        # layering chains: shop -> a1 -> .. -> deposit (2-4 hops)
        for _ in range(2):
            node, hop_ts, units = shop, ts, budget // 4
            for _ in range(int(rng.integers(1, 4))):
                nxt = self.new_address("layer")
                hop_ts += int(rng.integers(600, DAY))
                self.send(node, nxt, units, hop_ts)
                node = nxt
            self.send(node, self.deposit_for(reached), units, hop_ts + int(rng.integers(600, DAY)))
        # peel chain: each peel sends a slice to a deposit and the rest on
        node, hop_ts, units = shop, ts + DAY, budget // 4
        for _ in range(3):
            nxt = self.new_address("peel")
            hop_ts += int(rng.integers(600, DAY))
            self.send(node, nxt, units, hop_ts)
            peel = units // 5
            self.send(nxt, self.deposit_for(reached), peel, hop_ts + 300)
            node, units = nxt, units - peel
        # mule fan-out: shop -> mules -> their own deposit; some mules also spend elsewhere
        mules = int(rng.integers(5, 15))
        for _ in range(mules):
            mule = self.new_address("mule")
            units = budget // 2 // mules
            mts = ts + 2 * DAY + int(rng.integers(0, DAY))
            self.send(shop, mule, units, mts)
            self.send(
                mule, self.deposit_for(reached), units * 9 // 10, mts + int(rng.integers(600, DAY))
            )
            if rng.random() < 0.2:
                self.send(
                    mule,
                    self.users[int(rng.integers(0, len(self.users)))],
                    units // 10,
                    min(end, mts + DAY),
                )
        self.scenario.truth[shop] = set(reached)

    def sweeps(self) -> None:
        for _src, dst, units, ts in list(self.rows):
            hot = self.scenario.deposits.get(dst)
            if hot:
                self.send(dst, hot, units, ts + int(self.rng.integers(60, 3600)))

    def background(self, store: TransferStore, n: int) -> int:
        """User<->user (Zipf), user -> deposit (then swept), hot wallet -> user withdrawals.

        Addresses are integer codes into one Arrow pool (users, deposits, hot wallets) whose
        lexicographic rank sorts a chunk by sender without string comparisons; each chunk is
        split by month and written straight to its partition, so memory stays bounded.
        """
        rng = self.rng
        n_users, n_dep, n_hot = len(self.users), len(self.deposits), len(self.hots)
        pool = pa.array(self.users + self.deposits + self.hots, pa.string())
        rank = np.empty(len(pool), np.int64)
        rank[pc.sort_indices(pool).to_numpy()] = np.arange(len(pool))
        dep0, hot0 = n_users, n_users + n_dep
        user_dep = rng.integers(0, n_dep, n_users)
        bounds = _month_bounds(T0, T0 + self.cfg.days * DAY)
        done = 0
        while done < n:
            size = min(self.cfg.chunk, n - done)
            kind = rng.random(size)
            a = (rng.zipf(1.6, size) - 1) % n_users
            b = rng.integers(0, n_users, size)
            units = (rng.lognormal(4.0, 1.5, size) * 1_000_000).astype(np.int64) + 1
            ts = T0 + rng.integers(0, self.cfg.days * DAY, size)
            src, dst = a.copy(), b.copy()
            dep_mask = kind < 0.25  # user deposits to an exchange
            dst[dep_mask] = dep0 + user_dep[a[dep_mask]]
            sweep_mask = (kind >= 0.25) & (kind < 0.45)  # the matching sweep into the hot wallet
            src[sweep_mask] = dep0 + user_dep[b[sweep_mask]]
            dst[sweep_mask] = hot0 + self.deposit_hot[user_dep[b[sweep_mask]]]
            wd_mask = (kind >= 0.45) & (kind < 0.55)  # withdrawals from a hot wallet
            src[wd_mask] = hot0 + rng.integers(0, n_hot, int(wd_mask.sum()))
            ids = np.arange(done, done + size)
            month = np.searchsorted(bounds, ts, side="right") - 1
            for m in np.unique(month):
                rows = np.flatnonzero(month == m)
                rows = rows[np.lexsort((ts[rows], rank[src[rows]]))]
                table = _table(
                    pool.take(src[rows]), pool.take(dst[rows]), units[rows], ts[rows], ids[rows]
                )
                store.write_sorted(table)
            done += size
        return done


def _month_bounds(start: int, end: int) -> np.ndarray:
    """Unix times of the first second of each month from ``start``'s month to past ``end``."""
    first = np.datetime64(np.datetime64(start, "s"), "M")
    last = np.datetime64(np.datetime64(end, "s"), "M") + 1
    months = np.arange(first, last + 1)
    return months.astype("datetime64[s]").astype(np.int64)


def _table(
    src: pa.Array | np.ndarray,
    dst: pa.Array | np.ndarray,
    units: np.ndarray,
    ts: np.ndarray,
    ids: np.ndarray,
    prefix: str = "bg",
) -> pa.Table:
    n = len(src)
    amount = pc.multiply(pa.array(units).cast(pa.decimal128(20, 0)), MICRO).cast(
        pa.decimal128(38, 18)
    )
    tx = pc.binary_join_element_wise(pa.scalar(prefix), pa.array(ids).cast(pa.string()), "")
    return pa.table(
        {
            "chain": pa.repeat(pa.scalar("tron"), n),
            "tx_hash": tx,
            "idx": pa.array(np.zeros(n, dtype=np.int64)),
            "from_addr": pa.array(src, pa.string()),
            "to_addr": pa.array(dst, pa.string()),
            "asset": pa.repeat(pa.scalar("USDT"), n),
            "amount": amount,
            "ts": pa.array(np.asarray(ts).astype(np.int64)),
        },
        schema=TRANSFER_SCHEMA,
    )


def generate(cfg: ScenarioConfig) -> tuple[Scenario, _Builder]:
    """The scenario (truth, tags to apply), with the builder that can write its transfers."""
    builder = _Builder(cfg)
    for number in range(cfg.shops):
        builder.shop(number)
    builder.sweeps()
    return builder.scenario, builder


def write_scenario(store: TransferStore, cfg: ScenarioConfig) -> Scenario:
    """Generate and write straight into the store (no de-duplication pass: ids are unique)."""
    scenario, builder = generate(cfg)
    rows = builder.rows
    shop_table = _table(
        np.array([r[0] for r in rows], dtype=object),
        np.array([r[1] for r in rows], dtype=object),
        np.array([r[2] for r in rows], dtype=np.int64),
        np.array([r[3] for r in rows], dtype=np.int64),
        np.arange(len(rows)),
        prefix="shop",
    )
    scenario.written = store.write_partitions(shop_table)
    scenario.written += builder.background(store, max(0, cfg.transfers - len(rows)))
    return scenario

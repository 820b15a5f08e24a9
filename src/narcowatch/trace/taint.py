"""Taint models: how much of each transfer is the seed's money.

- poison: anything that leaves a tainted address after the taint arrived is fully tainted;
- haircut: every outgoing transfer carries the address's tainted share of its balance;
- fifo: coins leave in the order they arrived (first in, first out), lot by lot.

Written by hand because no library models transaction taint; the simulation replays the
ledger of every traced address in one chronological order (timestamp, tx hash, index) so
the result is the same whichever backend fetched the rows. Funds an address held before
the window are unknown and treated as clean.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal, localcontext

from narcowatch.trace.assets import QUANTUM
from narcowatch.trace.plan import Edge

ZERO = Decimal(0)


def _q(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_DOWN)


class _Haircut:
    def __init__(self) -> None:
        self.balance = ZERO
        self.tainted = ZERO

    def receive(self, amount: Decimal, taint: Decimal) -> None:
        self.balance += amount
        self.tainted += taint

    def send(self, amount: Decimal) -> Decimal:
        if self.balance <= 0 or self.tainted <= 0:
            share = ZERO
        elif amount >= self.balance:
            share = self.tainted
        else:
            share = min(self.tainted, _q(amount * self.tainted / self.balance))
        self.tainted -= share
        self.balance = max(self.balance - amount, ZERO)
        return share


class _Fifo:
    def __init__(self) -> None:
        self.lots: deque[list[Decimal]] = deque()

    def receive(self, amount: Decimal, taint: Decimal) -> None:
        if amount > 0:
            self.lots.append([amount, taint])

    def send(self, amount: Decimal) -> Decimal:
        need, share = amount, ZERO
        while need > 0 and self.lots:
            lot = self.lots[0]
            if lot[0] <= need:
                need -= lot[0]
                share += lot[1]
                self.lots.popleft()
            else:
                part = _q(lot[1] * need / lot[0])
                lot[0] -= need
                lot[1] -= part
                share += part
                need = ZERO
        return share


def simulate(
    model: str, seeds: Iterable[str], tracked: Iterable[str], ledger: Iterable[Edge]
) -> dict[tuple[str, int], Decimal]:
    """Taint of every ledger transfer sent by a seed or a tracked address (forward space)."""
    seed_set = set(seeds)
    tracked_set = set(tracked) - seed_set
    state_cls = _Haircut if model == "haircut" else _Fifo
    states: dict[tuple[str, str], _Haircut | _Fifo] = {}
    taint: dict[tuple[str, int], Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = 80
        for edge in sorted(set(ledger), key=lambda e: (e.ts, e.tx_hash, e.idx)):
            sent = ZERO
            if edge.from_addr in seed_set:
                sent = edge.amount
            elif edge.from_addr in tracked_set:
                key = (edge.from_addr, edge.asset)
                state = states.get(key) or states.setdefault(key, state_cls())
                sent = state.send(edge.amount)
            if edge.from_addr in seed_set or edge.from_addr in tracked_set:
                taint[edge.key] = sent
            if edge.to_addr in tracked_set:
                key = (edge.to_addr, edge.asset)
                state = states.get(key) or states.setdefault(key, state_cls())
                state.receive(edge.amount, sent)
    return taint

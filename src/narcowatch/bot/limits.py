"""Flood limits per pseudonym and per chat: a sliding window of recent updates, in memory.

In memory on purpose: the counters hold pseudonyms only, die with the process, and a
restart that resets them costs an abuser nothing he could not get by waiting a minute.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque


class FloodLimiter:
    """At most ``limit`` updates per key within ``window`` seconds; warns once per window."""

    def __init__(self, limit: int = 30, window: float = 60.0, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._warned: dict[str, float] = {}

    def _window(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
            if len(self._hits) > self.max_keys:
                old, _ = self._hits.popitem(last=False)
                self._warned.pop(old, None)
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def hit(self, *keys: str, now: float | None = None) -> str:
        """Count one update for every key: "ok", "warn" (first refusal) or "drop"."""
        now = time.monotonic() if now is None else now
        windows = [self._window(key, now) for key in keys]
        if all(len(hits) < self.limit for hits in windows):
            for hits in windows:
                hits.append(now)
            return "ok"
        first = keys[0]
        if now - self._warned.get(first, -1e9) >= self.window:
            self._warned[first] = now
            return "warn"
        return "drop"

"""Per-host request slots leased in the database: held, refused, expired, renewed, freed."""

from __future__ import annotations

import time

import pytest

from narcowatch.errors import IngestError
from narcowatch.ingest.host_leases import HostLeases
from narcowatch.runtime import Runtime


def test_slots_are_shared_between_crawls(any_runtime: Runtime) -> None:
    first = HostLeases(any_runtime.db, concurrency=3)
    second = HostLeases(any_runtime.db, concurrency=3)
    gate = first.gate("shop.example")
    assert first.held("shop.example") == 3
    with pytest.raises(IngestError) as err:  # every slot taken: waits, then gives up
        second.gate("shop.example", timeout_s=0.6)
    assert err.value.code == "E152"
    assert second.gate("other.example") is not None  # another host is not affected
    with gate:  # the semaphore bounds this crawl's own threads by what it holds
        assert gate.acquire(blocking=False) and gate.acquire(blocking=False)
        assert not gate.acquire(blocking=False)
    first.release()
    second.gate("shop.example", timeout_s=0.6)
    assert second.held("shop.example") == 3


def test_a_dead_crawls_slots_expire_and_a_live_one_renews(any_runtime: Runtime) -> None:
    dead = HostLeases(any_runtime.db, concurrency=2, ttl_s=0.5)
    dead.gate("shop.example")  # then never renewed, never released: a killed worker
    live = HostLeases(any_runtime.db, concurrency=2, ttl_s=3.0)
    live.gate("shop.example", timeout_s=5)  # waits until the dead lease runs out
    assert live.held("shop.example") == 2
    for _ in range(6):  # the live crawl renews as it goes (every ttl/3), beyond its ttl
        time.sleep(0.6)
        live.gate("shop.example")
    other = HostLeases(any_runtime.db, concurrency=2)
    with pytest.raises(IngestError):
        other.gate("shop.example", timeout_s=0.3)

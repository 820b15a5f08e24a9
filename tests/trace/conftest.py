"""Fixtures for tracing tests: small hand-made graphs, a generated scenario, one Spark session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from narcowatch.trace.scenarios import T0, ScenarioConfig, tron_address, write_scenario
from narcowatch.trace.store import TransferStore
from narcowatch.trace.tags import Tag, TagIndex

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


def addr(name: str) -> str:
    return tron_address("test", sum(ord(c) * 131**i for i, c in enumerate(name)))


def write_plain_csv(path: Path, rows: list[tuple[str, str, str, str, int]]) -> Path:
    """rows: (tx, from name, to name, amount in USDT, seconds after T0)."""
    lines = ["chain,tx_hash,from,to,asset,amount,timestamp"]
    for tx, src, dst, amount, dt in rows:
        lines.append(f"tron,{tx},{addr(src)},{addr(dst)},USDT,{amount},{T0 + dt}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# S is the shop; U an unrelated user; X an exchange. See test_engine for the expected taint.
SMALL_GRAPH = [
    ("t01", "U", "A", "100", 50),
    ("t02", "S", "A", "100", 100),
    ("t03", "A", "B", "50", 200),
    ("t04", "A", "X", "150", 300),
    ("t05", "B", "X", "50", 400),
    ("t06", "A", "X", "30", 10),
    ("t07", "X", "Z", "500", 500),
]


@pytest.fixture
def small_store(tmp_path: Path) -> TransferStore:
    from narcowatch.trace.importing import import_file

    store = TransferStore(tmp_path / "trace")
    report = import_file(store, write_plain_csv(tmp_path / "small.csv", SMALL_GRAPH))
    assert report.imported == len(SMALL_GRAPH)
    return store


@pytest.fixture
def small_tags() -> TagIndex:
    return TagIndex({addr("X"): [Tag("Exchange X", "exchange", "test", 100)]})


@pytest.fixture(scope="session")
def scenario_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("scenario")
    store = TransferStore(root / "trace")
    scenario = write_scenario(store, ScenarioConfig(seed=11, transfers=6000, shops=3, exchanges=3))
    tags: dict[str, list[Tag]] = {}
    for hot, name in scenario.hot_wallets.items():
        tags[hot] = [Tag(name, "exchange", "bench", 100)]
    for dep, hot in scenario.deposits.items():
        tags[dep] = [Tag(scenario.hot_wallets[hot] + " deposit", "exchange", "bench", 60)]
    return store, scenario, TagIndex(tags)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install '.[spark]')")
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
    from narcowatch.trace.spark_backend import local_session

    session = local_session(cores=2, shuffle_partitions=2)
    yield session
    session.stop()

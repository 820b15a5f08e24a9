"""Tracing benchmark: generated USDT-shaped graphs with ground truth.

Measures, for a chosen size: generation and index build time, deposit detection, 4-hop
forward trace latency with the stop rule (median / p95 over random shop seeds) for the
poison, haircut and FIFO models, peak memory, recall and precision of the reached deposit
addresses against the generator's truth, and common-input clustering speed.

    .venv/bin/python bench/trace_bench.py --transfers 1000000
    .venv/bin/python bench/trace_bench.py --transfers 10000000 --cluster-inputs 100000000
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow

from narcowatch.trace.clustering import components
from narcowatch.trace.deposits import detect_deposits
from narcowatch.trace.duckdb_backend import DuckDBBackend
from narcowatch.trace.engine import run_trace
from narcowatch.trace.plan import TracePlan
from narcowatch.trace.scenarios import ScenarioConfig, generate, write_scenario
from narcowatch.trace.store import TransferStore
from narcowatch.trace.tags import Tag, TagIndex


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def load() -> str:
    return f"[load {os.getloadavg()[0]:.1f}]"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def environment() -> None:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(
        f"# environment: {platform.platform()}, python {sys.version.split()[0]}, "
        f"duckdb {duckdb.__version__}, pyarrow {pyarrow.__version__}, cpus {os.cpu_count()}, "
        f"RAM {mem:.1f} GiB, load average {os.getloadavg()}"
    )


def bench_trace(args: argparse.Namespace, work: Path) -> None:
    store = TransferStore(work / "trace")
    t = time.perf_counter()
    cfg = ScenarioConfig(seed=args.seed, transfers=args.transfers, shops=args.shops)
    if args.reuse and store.files():  # same seed and size: the truth is rebuilt, rows reused
        scenario, _ = generate(cfg)
        scenario.written = store.count()
    else:
        scenario = write_scenario(store, cfg)
    print(
        f"generated {scenario.written:,} transfers, {len(scenario.shops)} shops, "
        f"{len(scenario.deposits):,} deposit addresses in {time.perf_counter() - t:.1f}s {load()}"
    )
    backend = DuckDBBackend(store, memory_limit=args.memory_limit)
    t = time.perf_counter()
    backend.build_index(force=True)
    print(
        f"DuckDB index built in {time.perf_counter() - t:.1f}s "
        f"({(store.root / 'index.duckdb').stat().st_size / 2**30:.2f} GiB on disk) {load()}"
    )
    hot = TagIndex({h: [Tag(n, "exchange", "bench", 100)] for h, n in scenario.hot_wallets.items()})
    t = time.perf_counter()
    hits = detect_deposits(store, hot, "tron")
    found = {h.address for h in hits}
    truth_deposits = set(scenario.deposits)
    laundering = set().union(*scenario.truth.values())
    print(
        f"deposit detection: {len(found):,} found in {time.perf_counter() - t:.1f}s, "
        f"precision {len(found & truth_deposits) / max(1, len(found)):.3f}, "
        f"recall of laundering deposits "
        f"{len(found & laundering) / len(laundering):.3f} {load()}"
    )
    tags = dict(hot.tags)
    for hit in hits:
        tags[hit.address] = [
            Tag(f"{hit.exchange_label} deposit", "exchange", "detected", 60, "deposit")
        ]
    index = TagIndex(tags)
    rng = random.Random(args.seed)
    seeds = [rng.choice(scenario.shops) for _ in range(args.seeds)]
    backend.con  # noqa: B018  (open the index before timing)
    times: dict[str, list[float]] = {}
    for model in ("poison", "haircut", "fifo"):
        lat, tp, fp, fn, stopped = [], 0, 0, 0, 0
        for shop in seeds:
            plan = TracePlan(chain="tron", seeds=(shop,), model=model, max_hops=args.hops)
            t = time.perf_counter()
            result = run_trace(plan, backend, index)
            lat.append(time.perf_counter() - t)
            got = {c["address"] for c in result.cashouts}
            truth = scenario.truth[shop]
            tp += len(got & truth)
            fp += len(got - truth)
            fn += len(truth - got)
            stopped += not result.complete
        times[model] = lat
        print(
            f"{model:8s} {args.hops}-hop forward trace over {args.seeds} shop seeds: "
            f"median {statistics.median(lat):.3f}s, p95 {pct(lat, 0.95):.3f}s, "
            f"max {max(lat):.3f}s; "
            f"recall {tp / max(1, tp + fn):.3f}, precision {tp / max(1, tp + fp):.3f}, "
            f"stopped at limits {stopped} {load()}"
        )
    base = statistics.median(times["poison"])
    for model in ("haircut", "fifo"):
        print(f"{model} / poison median ratio: {statistics.median(times[model]) / base:.2f}")
    print(f"peak memory (RSS, this process incl. DuckDB): {peak_rss_gib():.2f} GiB")
    if args.spark:
        bench_spark(args, store, backend, index, seeds[: args.spark])
    backend.close()


def bench_spark(
    args: argparse.Namespace,
    store: TransferStore,
    duck: DuckDBBackend,
    index: TagIndex,
    seeds: list[str],
) -> None:
    """The same traces on Spark in local mode: latency, and identical results to DuckDB."""
    from narcowatch.trace.spark_backend import SparkBackend, local_session

    t = time.perf_counter()
    spark = SparkBackend(store, local_session(cores=os.cpu_count() or 2, shuffle_partitions=8))
    print(f"Spark local session and dataset in {time.perf_counter() - t:.1f}s")
    for model in ("poison", "haircut"):
        lat, same = [], 0
        for shop in seeds:
            plan = TracePlan(chain="tron", seeds=(shop,), model=model, max_hops=args.hops)
            t = time.perf_counter()
            got = run_trace(plan, spark, index).to_dict(timing=False)
            lat.append(time.perf_counter() - t)
            same += got == run_trace(plan, duck, index).to_dict(timing=False)
        print(
            f"spark {model:8s} {args.hops}-hop trace over {len(seeds)} seeds (local mode): "
            f"median {statistics.median(lat):.1f}s, max {max(lat):.1f}s; "
            f"identical to DuckDB: {same}/{len(seeds)}"
        )
    spark.spark.stop()


def bench_clustering(n_inputs: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_tx = n_inputs // 3
    n_addr = n_inputs // 2
    tx = np.sort(rng.integers(0, n_tx, n_inputs))
    addr = (rng.zipf(1.3, n_inputs) - 1) % n_addr
    t, cpu = time.perf_counter(), time.process_time()
    labels, links, _ = components(tx, addr.astype(np.int64), n_addr)
    took, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(
        f"common-input clustering of {n_inputs:,} inputs ({n_tx:,} txs, {n_addr:,} addresses, "
        f"integer-coded): {took:.1f}s wall, {cpu:.1f}s CPU, {labels.max() + 1:,} clusters, "
        f"{links.shape[1]:,} merge links; "
        f"peak memory {peak_rss_gib():.2f} GiB {load()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--transfers", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=100, help="random shop seeds per model")
    parser.add_argument("--hops", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--cluster-inputs", type=int, default=0, help="0 = skip clustering")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="reuse the transfers in --workdir")
    parser.add_argument("--spark", type=int, default=0, help="also trace N seeds on Spark")
    args = parser.parse_args()
    environment()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="trace-bench-"))
    try:
        if args.transfers:
            bench_trace(args, work)
        if args.cluster_inputs:
            bench_clustering(args.cluster_inputs, args.seed)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

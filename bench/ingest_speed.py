"""Import speed and memory: parsing Telegram exports, JSONL and CSV, and storing them.

Writes a synthetic Telegram Desktop export (entity-list texts, like real ones), a JSONL and
a CSV file of ``--messages`` posts into a temporary directory, then measures parsing alone
(``open_source(...).iter_items()``: items/s, MB/s), the peak of Python allocations over the
whole export (small and flat, because the parser streams), and ``ingest_source`` of the
first ``--store`` items into SQLite (items/s, blobs included). Prints the environment.

    .venv/bin/python bench/ingest_speed.py [--messages 100000] [--store 2000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from narcowatch.ingest.files import open_source
from narcowatch.pipeline.intake import ingest_source
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings


def message(n: int) -> dict[str, object]:
    parts: list[object] = [
        f"Пост {n} (SYNTHETIC). Клады по Алматы, ",
        {"type": "bold", "text": "24/7"},
        ", оператор ",
        {"type": "mention", "text": f"@shop_{n % 50}_bench"},
        " ",
        {"type": "text_link", "text": "бот", "href": f"https://t.me/shop_{n % 50}_bench_bot"},
    ]
    return {
        "id": n,
        "type": "message",
        "date": "2026-10-01T10:00:00",
        "date_unixtime": str(1790830800 + n),
        "from": "Bench Channel (SYNTHETIC)",
        "from_id": "channel1",
        "text": parts,
        "text_entities": [
            p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts
        ],
    }


def write_files(folder: Path, count: int) -> dict[str, Path]:
    export = folder / "result.json"
    with export.open("w", encoding="utf-8") as fh:
        fh.write('{\n "name": "Bench Channel (SYNTHETIC)",\n "type": "public_channel",\n')
        fh.write(' "id": 1,\n "messages": [\n')
        for n in range(count):
            sep = ",\n" if n else ""
            fh.write(sep + json.dumps(message(n), ensure_ascii=False, indent=1))
        fh.write("\n ]\n}\n")
    jsonl = folder / "posts.jsonl"
    rows = folder / "posts.csv"
    with jsonl.open("w", encoding="utf-8") as fj, rows.open("w", encoding="utf-8") as fc:
        writer = csv.writer(fc)
        writer.writerow(["id", "text", "city"])
        for n in range(count):
            text = f"Пост {n}: клад, пиши @shop_{n % 50}_bench, Алматы (SYNTHETIC)"
            fj.write(json.dumps({"id": n, "text": text, "city": "Алматы"}, ensure_ascii=False))
            fj.write("\n")
            writer.writerow([n, text, "Алматы"])
    return {"telegram": export, "jsonl": jsonl, "csv": rows}


def parse(path: Path) -> dict[str, float]:
    size = path.stat().st_size
    started = time.perf_counter()
    count = sum(1 for _ in open_source(path, max_bytes=size + 1).iter_items())
    elapsed = time.perf_counter() - started
    return {
        "items": count,
        "file_mb": size / 1e6,
        "seconds": elapsed,
        "items_per_s": count / elapsed,
        "mb_per_s": size / 1e6 / elapsed,
    }


def peak_allocation_mb(path: Path) -> float:
    """Peak Python allocations while reading the whole file (a separate, slower pass)."""
    tracemalloc.start()
    for _ in open_source(path, max_bytes=path.stat().st_size + 1).iter_items():
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def store(path: Path, limit: int, folder: Path) -> dict[str, float]:
    small = folder / f"head{path.suffix}"
    if path.suffix == ".json":
        (folder / "store").mkdir(exist_ok=True)
        small = write_files(folder / "store", limit)["telegram"]
    else:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        header = 1 if path.suffix == ".csv" else 0
        small.write_text("".join(lines[: limit + header]), encoding="utf-8")
    rt = Runtime.open(Settings(data_dir=folder / f"data-{path.suffix[1:]}"))
    try:
        started = time.perf_counter()
        res = ingest_source(rt.db, rt.blobs, open_source(small))
        elapsed = time.perf_counter() - started
    finally:
        rt.close()
    return {"items": res.new, "seconds": elapsed, "items_per_s": res.new / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--store", type=int, default=2000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {platform.platform()}, {os.cpu_count()} cpus")
    print(f"load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = write_files(folder, args.messages)
        for fmt, path in files.items():
            p = parse(path)
            print(
                f"parse {fmt:8} {p['items']:>8.0f} items {p['file_mb']:7.1f} MB "
                f"{p['seconds']:6.2f}s {p['items_per_s']:9.0f} items/s {p['mb_per_s']:6.1f} MB/s"
            )
        peak = peak_allocation_mb(files["telegram"])
        print(f"peak Python allocations while reading the whole export: {peak:.1f} MB")
        for fmt, path in files.items():
            s = store(path, args.store, folder)
            print(
                f"store {fmt:8} {s['items']:>8.0f} items {s['seconds']:6.2f}s "
                f"{s['items_per_s']:7.0f} items/s (SQLite, blobs fsynced)"
            )


if __name__ == "__main__":
    main()

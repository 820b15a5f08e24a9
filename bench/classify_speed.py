"""Speed of the drugs classifier on one core: posts/s in batches and one at a time, peak memory.

Run: .venv/bin/python bench/classify_speed.py [--data-dir DIR] [--posts N]
Texts are the corpus test split (realistic post lengths), repeated to N posts. Timing covers
the whole path a post takes: normalize_text (folding, language id) + classify (features,
model, reasons). Wall-clock and CPU-time rates are both printed: on a shared machine the CPU
rate is the one-core figure.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from narcowatch.classify.artefact import load_corpus, load_model  # noqa: E402
from narcowatch.classify.drugs import DrugsClassifier  # noqa: E402
from narcowatch.normalize.text import normalize_text  # noqa: E402


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} posts/s" if seconds > 0 else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=3_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="nw-bench-"))
    load_model(data_dir)
    clf = DrugsClassifier(data_dir)
    texts = [r["text"] for r in load_corpus() if r["split"] == "test"]
    batch_texts = (texts * (args.posts // len(texts) + 1))[: args.posts]
    # warm caches (word n-gram cache, lexicon token cache, lingua models) as a server would be
    clf.classify_many([normalize_text(t) for t in texts])

    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(batch_texts), args.batch):
        clf.classify_many([normalize_text(t) for t in batch_texts[i : i + args.batch]])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    single_texts = batch_texts[: args.single]
    wall1, cpu1 = time.perf_counter(), time.process_time()
    for text in single_texts:
        clf.classify(normalize_text(text))
    wall1, cpu1 = time.perf_counter() - wall1, time.process_time() - cpu1

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    avg_len = sum(map(len, batch_texts)) / len(batch_texts)
    cpu_name = platform.processor() or platform.machine()
    print(f"python {sys.version.split()[0]} on {platform.platform()}, {cpu_name}")
    print(f"cpus visible {os.cpu_count()}, pinned to 1; load average {os.getloadavg()[0]:.2f}")
    print(f"classifier {clf.name}; {len(batch_texts)} posts, mean {avg_len:.0f} chars")
    n = len(batch_texts)
    print(f"batched ({args.batch}/batch): wall {rate(n, wall)}, cpu {rate(n, cpu)}")
    print(
        f"one at a time: wall {rate(len(single_texts), wall1)}, cpu {rate(len(single_texts), cpu1)}"
    )
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()

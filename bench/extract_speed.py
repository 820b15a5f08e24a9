"""Throughput of all text extractors together on one core, and OCR time per image.

    .venv/bin/python bench/extract_speed.py [--mb 5] [--ocr 20] [--repeat 3]

Texts: the labelled extraction set (short strings dense with indicators) and "typical posts":
three to eight sentences of ordinary prose, a third of them with a labelled line (handles,
phones, prices, wallets) mixed in, about 400 bytes each, like channel posts and ads. Each is
repeated up to ``--mb`` megabytes (UTF-8); the time is CPU time of this one process, the
best of ``--repeat`` passes (on a shared machine the best pass is the least disturbed one).
Then a few adversarial 20-30 KB texts that once took time in the square of their length.
OCR: ``--ocr`` synthetic wall photos (0 to skip). Prints figures and the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from narcowatch.extract.registry import extract_all, get_extractors  # noqa: E402

PROSE = [
    "Сегодня в Алматы прошёл дождь, на дорогах пробки, водителей просят быть внимательнее.",
    "Бүгін Астанада ауа райы суық болады, жылы киініңіздер.",
    "The city council met on Tuesday to discuss the new bus routes and the park renovation.",
    "Продам велосипед в хорошем состоянии, торг уместен, самовывоз из центра.",
    "Полиция напоминает: о фактах продажи наркотиков сообщайте по телефону 102.",
    "Кофейня на углу открылась после ремонта, теперь там есть веганские десерты.",
]


def corpus(texts: list[str], megabytes: float) -> list[str]:
    out, size = [], 0
    target = int(megabytes * 1_000_000)
    while size < target:
        for text in texts:
            out.append(text)
            size += len(text.encode("utf-8"))
            if size >= target:
                break
    return out


def measure(texts: list[str], repeat: int = 1) -> tuple[float, int, int]:
    size = sum(len(t.encode("utf-8")) for t in texts)
    elapsed, hits = float("inf"), 0
    for _ in range(max(1, repeat)):
        started = time.process_time()
        hits = sum(len(extract_all(t)) for t in texts)
        elapsed = min(elapsed, time.process_time() - started)
    return size / elapsed / 1_000_000, hits, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--ocr", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1, help="passes; the fastest counts")
    args = parser.parse_args()
    labelled = [
        json.loads(line)["text"]
        for line in (ROOT / "data" / "extraction" / "labelled.jsonl").read_text().splitlines()
    ]
    rng = random.Random(1)
    typical = []
    for _ in range(3000):
        sentences = [rng.choice(PROSE) for _ in range(rng.randint(3, 8))]
        if rng.random() < 0.33:
            sentences.insert(rng.randrange(len(sentences)), rng.choice(labelled))
        typical.append(" ".join(sentences))
    get_extractors()
    for text in labelled[:200]:
        extract_all(text)  # load lexicons, suffix list and compiled patterns first
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus "
        f"(one core used), {platform.platform()}, load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(f"extractors: {', '.join(e.name for e in get_extractors())}")
    for label, texts in (("labelled set (dense)", labelled), ("typical posts", typical)):
        rate, hits, size = measure(corpus(texts, args.mb), args.repeat)
        print(f"{label:<22} {size / 1e6:6.1f} MB  {rate:6.2f} MB/s  {hits} indicators")
    # Inputs that made extractors backtrack or compare hits pairwise (square of the length).
    adversarial = {
        "a . a . a": "a . " * 5000,
        "a.a.a.a": "@ " + "a." * 10000,
        "@abcd x4000": " ".join(["@abcd"] * 4000),
        "1 1 1 1": " ".join(["1"] * 10000),
        "43.25671 x3000": "43.25671 " * 3000,
    }
    for label, text in adversarial.items():
        started = time.process_time()
        extract_all(text)
        spent = time.process_time() - started
        print(f"adversarial {label:<16} {len(text):6d} chars {spent:6.2f} s")
    if args.ocr:
        from narcowatch.extract.evaluate import evaluate_ocr

        with tempfile.TemporaryDirectory() as tmp:
            report, per_image = evaluate_ocr(args.ocr, out_dir=Path(tmp))
        found = sum(s.tp for s in report.scores.values())
        total = sum(s.tp + s.fn for s in report.scores.values())
        print(
            f"ocr: {per_image:.2f} s/image over {args.ocr} images "
            f"(tesseract rus+kaz+eng), recovered {found}/{total}"
        )


if __name__ == "__main__":
    main()

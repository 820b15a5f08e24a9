# ruff: noqa: E501  (report lines are kept whole for grep-ability)
"""Monitoring benchmarks: crawl throughput over the local fixture web, and de-duplication.

    .venv/bin/python bench/crawl_bench.py crawl --pages 100000
    .venv/bin/python bench/crawl_bench.py dedup --posts 1000000

``crawl``: the fixture web runs in a child process; a website source of ``--pages`` pages is
crawled through the real path (SSRF-guarded fetcher, trafilatura in a helper process, blob
store + SQLite) while a second worker process runs the pipeline (normalize, classify,
extract, link, queue, discovery) over the stored pages, as on a 2-core machine running
``narcowatch serve`` and one ``narcowatch worker``. Prints pages/s for the crawl and for the
whole, CPU per page of each process, and the peak RSS of each. ``--no-overlap``: one worker,
the crawl and then the pipeline (``narcowatch serve`` alone); ``--extractor lxml``: the
cheap text path.
``dedup``: ``--posts`` generated posts from ``--ads`` ad templates (exact reposts, emoji
and price edits, word swaps; the generating ad is the ground truth) are grouped; prints
the time, distinct texts, groups and the pairwise precision and recall of the grouping.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = """
import sys, time
from tests.fakes.fixture_web import FixtureWeb, serve_fixture_web
with serve_fixture_web(FixtureWeb(site_pages=int(sys.argv[1]))) as web:
    print(web.base, flush=True)
    sys.stdin.read()
"""


PIPELINE = """
import sys, time
from pathlib import Path
from sqlalchemy import func, select
from narcowatch.pipeline.background import make_tick
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings
from narcowatch.store.tables import ItemRecord
data, done = Path(sys.argv[1]), Path(sys.argv[2])
st = Settings(data_dir=data, secret_key="b", pseudonym_key="b")  # product defaults
rt = Runtime.open(st)
tick = make_tick(rt)  # what `narcowatch worker` runs between jobs
while True:
    finished = done.exists()  # every page was stored before this tick began
    tick()
    if finished:
        break
    time.sleep(0.2)
with rt.db.session(readonly=True) as s:
    total = s.scalar(select(func.count()).where(ItemRecord.status != "new"))
import resource
ru = resource.getrusage(resource.RUSAGE_SELF)
print(total, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime, flush=True)
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s(pid: int | None = None, children: bool = False) -> float:
    """CPU seconds (user + system) used so far by this process (or its waited-for
    children) or by ``pid``."""
    if pid is None:
        ru = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def outcome(rt: Any) -> str:
    """What the pipeline made of the pages: detections, positives, queued, shops."""
    from sqlalchemy import func, select

    from narcowatch.store.tables import DetectionRecord, ShopRecord

    with rt.db.session(readonly=True) as s:
        total = s.scalar(select(func.count()).select_from(DetectionRecord)) or 0
        pos = s.scalar(select(func.count()).where(DetectionRecord.label == 1)) or 0
        queued = s.scalar(select(func.count()).where(DetectionRecord.queued.is_(True))) or 0
        shops = s.scalar(select(func.count()).select_from(ShopRecord)) or 0
    return f"{total} detections, {pos} positive, {queued} queued, {shops} shops"


def environment() -> str:
    return f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}"


def bench_crawl(
    pages: int,
    concurrency: int,
    pipeline: bool = True,
    extractor: str = "trafilatura",
    overlap: bool = False,
    extract_processes: int = -1,
) -> None:
    from narcowatch.ingest.crawl import add_source, crawl_source
    from narcowatch.ingest.discovery import DiscoveryStage
    from narcowatch.ingest.web import extract_helpers
    from narcowatch.pipeline.background import settle_heap
    from narcowatch.pipeline.runner import Runner
    from narcowatch.pipeline.stages import default_stages
    from narcowatch.runtime import Runtime
    from narcowatch.settings import Settings

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(pages)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = server.stdout.readline().strip()  # type: ignore[union-attr]
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                data_dir=Path(tmp),
                secret_key="b",
                pseudonym_key="b",
                allowed_hosts=["127.0.0.1"],
                crawl_host_delay_s=0.0,
                crawl_max_pages=pages + 10,
                crawl_max_depth=100_000,
                crawl_max_pages_per_pattern=pages + 10,
                crawl_host_concurrency=concurrency,
                crawl_text_extractor=extractor,
                crawl_extract_processes=extract_processes,
            )
            rt = Runtime.open(settings)
            settle_heap()  # a worker's heap is settled by its first tick
            sid = add_source(rt, "web", f"{base}/site/p/1", config={"sitemap": False})
            if overlap:  # a second worker process runs the pipeline while the crawl goes on
                done = Path(tmp) / "crawl-done"
                piper = subprocess.Popen(
                    [sys.executable, "-c", PIPELINE, tmp, str(done)],
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            t0, cpu0, server0 = time.perf_counter(), cpu_s(), cpu_s(server.pid)
            kids0 = cpu_s(children=True)
            out = crawl_source(rt, sid)
            t1 = time.perf_counter()
            crawl_rss = peak_rss_mb()
            processed = 0
            if overlap:
                done.touch()
                processed_s, rss_s, pipe_cpu = piper.communicate()[0].split()
                processed = int(processed_s)
                t2 = time.perf_counter()
                crawl_cpu, server_cpu = cpu_s() - cpu0, cpu_s(server.pid) - server0
                helpers_cpu = cpu_s(children=True) - kids0 - float(pipe_cpu)  # finished children
                made = outcome(rt)
                rt.close()
                n = out["new_items"]
                print(
                    f"environment: {environment()}; extractor {extractor} ({extract_helpers(extract_processes, pages + 10)} helper processes), concurrency {concurrency}; two workers (crawl | pipeline)"
                )
                print(
                    f"crawl: {n} pages in {t1 - t0:.1f} s = {n / (t1 - t0):.0f} pages/s; crawl process peak RSS {crawl_rss:.0f} MB"
                )
                print(
                    f"pipeline process: {processed} items ({made}), peak RSS {float(rss_s):.0f} MB"
                )
                print(
                    f"CPU per page: crawl {1000 * crawl_cpu / n:.2f} ms (+ extraction helpers {1000 * helpers_cpu / n:.2f}), pipeline {1000 * float(pipe_cpu) / n:.2f} ms,"
                    f" fixture server {1000 * server_cpu / n:.2f} ms (2 cores give {2000 / 300:.2f} ms at 300 pages/s)"
                )
                print(
                    f"end to end: {n / (t2 - t0):.0f} pages/s fetched, extracted, classified and stored; problems {out['problems']}"
                )
                return
            if pipeline:
                processed = (
                    Runner(rt.db, settings, [*default_stages(), DiscoveryStage()]).run().processed
                )
            t2 = time.perf_counter()
            rt.close()
        n = out["new_items"]
        print(
            f"environment: {environment()}; extractor {extractor}, concurrency {concurrency}; one worker (crawl, then pipeline)"
        )
        print(
            f"crawl: {n} pages fetched+extracted+stored in {t1 - t0:.1f} s = {n / (t1 - t0):.0f} pages/s;"
            f" peak RSS after the crawl {crawl_rss:.0f} MB"
        )
        print(
            f"pipeline: {processed} items classified/extracted/linked in {t2 - t1:.1f} s = {processed / max(t2 - t1, 1e-9):.0f} items/s"
        )
        print(
            f"end to end: {n / (t2 - t0):.0f} pages/s; peak RSS {peak_rss_mb():.0f} MB; problems {out['problems']}"
        )
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=10)


WORDS = [
    "закладки",
    "мефедрон",
    "альфа",
    "шишки",
    "гашиш",
    "кристаллы",
    "оплата",
    "usdt",
    "trc20",
    "курьер",
    "город",
    "доставка",
    "гарантия",
    "качество",
    "скидка",
    "опт",
    "розница",
    "оператор",
    "бот",
    "канал",
    "магазин",
    "работа",
    "мастер",
    "клад",
    "район",
    "центр",
    "быстро",
    "надежно",
    "анонимно",
    "проверено",
    "отзывы",
    "бонус",
    "новинка",
    "акция",
]


def generate(posts: int, ads: int, seed: int = 7) -> tuple[list[tuple[str, str]], dict[str, int]]:
    rnd = random.Random(seed)
    # ads share a vocabulary and often a shop's stock phrases, as real shops copy each other
    stock = [" ".join(rnd.choice(WORDS) for _ in range(8)) for _ in range(ads // 20 + 1)]
    bases = []
    for i in range(ads):
        body = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(10, 25)))
        bases.append(f"{rnd.choice(stock)} {body} @shop_{i} {rnd.randint(1, 99)}г")
    texts, truth = [], {}
    for n in range(posts):
        b = rnd.randrange(ads)
        text, r = bases[b], rnd.random()
        if r < 0.6:
            pass
        elif r < 0.75:
            text = f"🔥{text} {rnd.choice('⚡✅💎')}"
        elif r < 0.9:
            text = text.replace("г", f"г {rnd.randint(1000, 99999)} тг", 1)
        else:
            words = text.split()
            words[rnd.randrange(len(words))] = rnd.choice(WORDS)
            text = " ".join(words)
        key = f"p{n}"
        texts.append((key, text))
        truth[key] = b
    return texts, truth


def bench_dedup(posts: int, ads: int, threshold: float) -> None:
    from narcowatch.pipeline.dedup import group_texts, pair_scores

    texts, truth = generate(posts, ads)
    t0 = time.perf_counter()
    groups = group_texts(texts, threshold)
    dt = time.perf_counter() - t0
    precision, recall = pair_scores(groups, truth)
    print(f"environment: {environment()}")
    print(f"dedup: {posts} posts from {ads} ads grouped in {dt:.1f} s ({posts / dt:.0f} posts/s)")
    print(f"groups: {len(set(groups.values()))} (true {len(set(truth.values()))})")
    print(
        f"pairwise precision {precision:.4f}, recall {recall:.4f}; peak RSS {peak_rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    crawl = sub.add_parser("crawl")
    crawl.add_argument("--pages", type=int, default=3000)
    crawl.add_argument(
        "--concurrency",
        type=int,
        default=2,
        help="Per-host requests in flight (the product default is 2).",
    )
    crawl.add_argument("--no-pipeline", action="store_true", help="Measure the crawl only.")
    crawl.add_argument("--extractor", default="trafilatura", choices=["trafilatura", "lxml"])
    crawl.add_argument(
        "--overlap",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="Two workers, as on two cores: the pipeline runs in a second process during the "
        "crawl (default); --no-overlap: one worker, the crawl and then the pipeline.",
    )
    crawl.add_argument(
        "--extract-processes",
        type=int,
        default=-1,
        help="Helper processes for main-text extraction (crawl_extract_processes; -1, the "
        "product default: one helper above 1,000 pages).",
    )
    dedup = sub.add_parser("dedup")
    dedup.add_argument("--posts", type=int, default=1_000_000)
    dedup.add_argument("--ads", type=int, default=50_000)
    dedup.add_argument("--threshold", type=float, default=0.6)
    args = parser.parse_args()
    if args.what == "crawl":
        bench_crawl(
            args.pages,
            args.concurrency,
            not args.no_pipeline,
            args.extractor,
            args.overlap,
            args.extract_processes,
        )
    else:
        bench_dedup(args.posts, args.ads, args.threshold)


if __name__ == "__main__":
    main()

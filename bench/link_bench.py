"""Shop linking benchmark: quality on a generated ground truth, speed at scale, incremental
attaching and profile rendering.

    .venv/bin/python bench/link_bench.py --items 1000000            # in-memory clustering
    nice -n 10 .venv/bin/python bench/link_bench.py --items 0 --db sqlite --db-items 1000000 \
        --iban-share 0.27                                 # 1 M posts, ~3 M mentions, stored
    .venv/bin/python bench/link_bench.py --items 50000 --db sqlite  # + relink through the store
    .venv/bin/python bench/link_bench.py --items 50000 --db postgresql://postgres@127.0.0.1/x \
        --incremental 10000 --profile-items 10000

The ground truth: shops of Zipf-like sizes, each with a bot, usually an operator handle,
rotating cards, wallets, a phone and a site; posts mention a few of their shop's
indicators. Decoys every shop's posts share: a police reporting bot, an exchange deposit
wallet, a bank's support phone (hubs that must not merge shops). Quality is pairwise
precision and recall of post membership.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from narcowatch.link.cluster import LinkInput, cluster

DECOYS = [
    ("telegram", "kz_police_report_bot", 0.02),
    ("crypto:trx", "TExchangeDepositHotWallet00000001", 0.01),
    ("phone", "+77270000000", 0.01),
]


def generate(
    n_items: int, seed: int = 7, first_size: int = 0, iban_share: float = 0.0
) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """Mentions (item, type, value) and the true shop of every item. ``iban_share`` of the
    posts also give the shop's IBAN (0.27 brings 1 M posts to about 3 M mentions)."""
    rng = random.Random(seed)
    mentions: list[tuple[str, str, str]] = []
    truth: dict[str, int] = {}
    shop = 0
    made = 0
    while made < n_items:
        size = min(int(rng.paretovariate(1.2) * 20), 20000, n_items - made)
        size = max(first_size if shop == 0 and first_size else size, 1)
        cards = [f"4400{shop:07d}{c:05d}" for c in range(rng.randint(1, 10))]
        wallets = [f"T{shop:09d}W{w}" + "x" * 20 for w in range(rng.randint(0, 3))]
        inds = {
            "bot": ("telegram", f"shop{shop}_bot"),
            "oper": ("telegram", f"oper{shop}") if rng.random() < 0.7 else None,
            "phone": ("phone", f"+7701{shop:07d}") if rng.random() < 0.5 else None,
            "site": ("domain", f"shop{shop}.example") if rng.random() < 0.3 else None,
        }
        for k in range(size):
            item = f"i{made}"
            truth[item] = shop
            found = []
            if rng.random() < 0.8:
                found.append(inds["bot"])
            for key, p in (("oper", 0.6), ("phone", 0.4), ("site", 0.3)):
                if inds[key] and rng.random() < p:
                    found.append(inds[key])
            if rng.random() < 0.8:
                found.append(("card", cards[k * len(cards) // size]))
            if wallets and rng.random() < 0.5:
                found.append(("crypto:trx", rng.choice(wallets)))
            if iban_share and rng.random() < iban_share:
                found.append(("iban", f"KZ{shop:08d}IBAN00000"))
            if not found:
                found.append(inds["bot"])
            for type_, value, p in DECOYS:
                if rng.random() < p:
                    found.append((type_, value))
            mentions += [(item, t, v) for t, v in found]
            made += 1
        shop += 1
    return mentions, truth


def link_input(mentions: list[tuple[str, str, str]]) -> LinkInput:
    labels: dict[str, str] = {}
    pairs = []
    for item, type_, value in mentions:
        key = f"{type_}:{value}"
        labels.setdefault(key, key)
        pairs.append((item, key))
    return LinkInput(mentions=pairs, indicator_label=labels, items=sorted({m[0] for m in mentions}))


def pairwise(pred: dict[str, int], truth: dict[str, int]) -> tuple[float, float]:
    def c2(n: int) -> int:
        return n * (n - 1) // 2

    both = Counter((pred[i], truth[i]) for i in truth)
    tp = sum(c2(n) for n in both.values())
    pp = sum(c2(n) for n in Counter(pred[i] for i in truth).values())
    tpairs = sum(c2(n) for n in Counter(truth.values()).values())
    return tp / max(pp, 1), tp / max(tpairs, 1)


def run_memory(n_items: int, iban_share: float = 0.0) -> LinkInput:
    t0 = time.perf_counter()
    mentions, truth = generate(n_items, iban_share=iban_share)
    data = link_input(mentions)
    t1 = time.perf_counter()
    result = cluster(data)
    t2 = time.perf_counter()
    pred: dict[str, int] = {}
    for index, members in enumerate(result.clusters):
        for m in members:
            if m in truth:
                pred[m] = index
    next_id = len(result.clusters)
    for item in truth:
        if item not in pred:
            pred[item] = next_id
            next_id += 1
    precision, recall = pairwise(pred, truth)
    hubs = sorted(result.hubs)
    decoys = [f"{t}:{v}" for t, v, _ in DECOYS]
    print(
        f"in-memory: {n_items} posts, {len(mentions)} mentions, {len(set(truth.values()))} true "
        f"shops -> {len(result.clusters)} shops in {t2 - t1:.1f}s (generation {t1 - t0:.1f}s)"
    )
    print(
        f"  pairwise precision {precision:.5f}, recall {recall:.5f}; {len(hubs)} hubs, "
        f"decoys caught: {sum(d in result.hubs for d in decoys)}/{len(decoys)}; "
        f"shop indicators wrongly called hubs: {len(set(hubs) - set(decoys))}"
    )
    return data


def run_store(
    url: str, n_items: int, incremental: int, profile_items: int, iban_share: float
) -> None:
    from fastapi.testclient import TestClient
    from link_bench_store import (
        bench_settings,
        drop_database,
        fresh_database,
        load_world,
        run_relink,
        stored_shops,
        temp_dir,
    )
    from sqlalchemy import select

    from narcowatch.api.app import create_app
    from narcowatch.extract.base import Indicator
    from narcowatch.ids import make_id
    from narcowatch.link.shops import attach_item
    from narcowatch.runtime import Runtime
    from narcowatch.security.users import add_user
    from narcowatch.store.indicators import save_indicators
    from narcowatch.store.tables import ItemRecord, ShopRecord

    tmp = temp_dir()
    db_url, created = fresh_database(url)
    rt = Runtime.open(bench_settings(tmp, db_url))
    mentions, truth = generate(n_items, first_size=profile_items, iban_share=iban_share)
    t0 = time.perf_counter()
    src, n_mentions = load_world(rt, mentions, truth)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    del mentions
    t1 = time.perf_counter()
    print(
        f"store ({rt.db.engine.url.get_backend_name()}): loaded {n_items} posts, "
        f"{n_mentions} mentions in {t1 - t0:.1f}s (set-up, load {os.getloadavg()[0]:.1f})"
    )
    rep = run_relink(tmp, db_url)
    print(
        f"  relink (own process): {rep['shops']} shops, {rep['hubs']} hubs, {rep['items']} "
        f"posts, {rep['mentions']} linking mentions; wall {rep['wall']:.1f}s, in-process "
        f"{rep['total']:.1f}s ("
        + ", ".join(f"{k} {v:.1f}s" for k, v in rep["seconds"].items())
        + f"); CPU {rep['cpu']:.0f}s; peak RSS {rep['peak_rss_mb']:.0f} MB; "
        f"load {rep['load']:.1f}"
    )
    stored = stored_shops(rt)
    names = {sid: k for k, sid in enumerate(sorted(set(stored.values())))}
    pred = {i: names[stored[i]] if i in stored else -1 - n for n, i in enumerate(truth)}
    precision, recall = pairwise(pred, truth)
    print(f"  stored shops: pairwise precision {precision:.5f}, recall {recall:.5f}")
    del stored, pred
    if incremental:
        new_mentions, _ = generate(incremental, seed=11)
        per_item: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for i, t, v in new_mentions:
            per_item[i].append((t, v))
        from narcowatch.link.incremental import attach_many

        elapsed = 0.0
        linked = 0
        per_post = 0.0
        with rt.db.session() as s:
            batch = []
            for n, (i, found) in enumerate(per_item.items()):
                item = ItemRecord(
                    id=make_id("bench-new", i),
                    source_id=src,
                    external_id="n" + i,
                    text=f"new {i}",
                    blob_sha256="0" * 64,
                    published_at=start + timedelta(days=400),
                    status="done",
                )
                s.add(item)
                hits = [
                    Indicator(type=t, value=v, raw=v, start=0, end=len(v), extractor="b")
                    for t, v in dict.fromkeys(found)
                ]
                save_indicators(s, item, hits)
                if n < 500:  # the pipeline's per-post path, on the first 500
                    s.flush()
                    a = time.perf_counter()
                    linked += attach_item(s, item, hits) is not None
                    per_post += time.perf_counter() - a
                else:
                    batch.append((item, hits))
            s.flush()
            a = time.perf_counter()
            for b in range(0, len(batch), 2000):
                linked += sum(x is not None for x in attach_many(s, batch[b : b + 2000]))
            elapsed = time.perf_counter() - a
            c = time.perf_counter()
        print(
            f"  incremental: {len(batch)} new posts attached in batches in {elapsed:.1f}s; "
            f"per post (pipeline path) {per_post / 500 * 1000:.1f} ms; {linked} linked; "
            f"commit {time.perf_counter() - c:.1f}s"
        )
    if profile_items:
        with rt.db.session() as s:
            sizes = Counter(s.scalars(select(ShopRecord.id).where(ShopRecord.status == "active")))
            shops = list(s.scalars(select(ShopRecord).where(ShopRecord.status == "active")))
            biggest = max(shops, key=lambda sh: int(sh.meta.get("size", 0)))
            size = int(biggest.meta.get("size", 0))
            add_user(s, "bench", "bench password 123", "analyst", "en")
        del sizes
        with TestClient(create_app(rt)) as client:
            page = client.get("/login")
            import re

            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            client.post(
                "/login",
                data={"username": "bench", "password": "bench password 123", "csrf_token": token},
            )
            times = []
            for _ in range(5):
                a = time.perf_counter()
                res = client.get(f"/shops/{biggest.id}", headers={"accept": "text/html"})
                times.append(time.perf_counter() - a)
                assert res.status_code == 200, res.status_code
        times.sort()
        print(
            f"  profile of a shop with {size} posts: median {times[2] * 1000:.0f} ms, "
            f"best {times[0] * 1000:.0f} ms over 5 requests"
        )
    rt.close()
    drop_database(url, created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", default="", help="sqlite or a PostgreSQL URL (empty: skip)")
    parser.add_argument("--db-items", type=int, default=0, help="posts in the store run")
    parser.add_argument("--incremental", type=int, default=0)
    parser.add_argument("--profile-items", type=int, default=0)
    parser.add_argument("--iban-share", type=float, default=0.0, help="0.27: ~3 mentions/post")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, {platform.machine()}, cpus {os.cpu_count()}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    if args.items:
        run_memory(args.items, args.iban_share)
    if args.db:
        run_store(
            args.db,
            args.db_items or args.items,
            args.incremental,
            args.profile_items,
            args.iban_share,
        )


if __name__ == "__main__":
    main()

"""Shop linking benchmark: quality on a generated ground truth, speed at scale, incremental
attaching and profile rendering.

    .venv/bin/python bench/link_bench.py --items 1000000            # in-memory clustering
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
import tempfile
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
    n_items: int, seed: int = 7, first_size: int = 0
) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """Mentions (item, type, value) and the true shop of every item."""
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


def run_memory(n_items: int) -> LinkInput:
    t0 = time.perf_counter()
    mentions, truth = generate(n_items)
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


def run_store(url: str, n_items: int, incremental: int, profile_items: int) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import insert, select

    from narcowatch.api.app import create_app
    from narcowatch.extract.base import Indicator
    from narcowatch.ids import make_id
    from narcowatch.link.relink import relink
    from narcowatch.link.shops import attach_item
    from narcowatch.runtime import Runtime
    from narcowatch.security.users import add_user
    from narcowatch.settings import load_settings
    from narcowatch.store.indicators import indicator_id, save_indicators
    from narcowatch.store.tables import (
        DetectionRecord,
        IndicatorRecord,
        ItemIndicatorRecord,
        ItemRecord,
        ShopRecord,
        SourceRecord,
    )

    tmp = Path(tempfile.mkdtemp(prefix="link-bench-"))
    os.environ["NARCOWATCH_CONFIG"] = str(tmp / "none.toml")
    settings = load_settings().model_copy(
        update={"data_dir": tmp, "database_url": None if url == "sqlite" else url}
    )
    rt = Runtime.open(settings)
    mentions, truth = generate(n_items, first_size=profile_items)
    t0 = time.perf_counter()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    src = make_id("source", "bench")
    with rt.db.session() as s:
        s.add(SourceRecord(id=src, kind="telegram", name="bench"))
        s.flush()
        items = sorted(truth, key=lambda i: int(i[1:]))
        for b in range(0, len(items), 5000):
            chunk = items[b : b + 5000]
            s.execute(
                insert(ItemRecord),
                [
                    {
                        "id": make_id("bench-item", i),
                        "source_id": src,
                        "external_id": i,
                        "text": f"post {i}: товар в наличии, закладки, Алматы",
                        "blob_sha256": "0" * 64,
                        "published_at": start + timedelta(minutes=int(i[1:])),
                        "fetched_at": start,
                        "status": "done",
                        "meta": {},
                        "errors": [],
                    }
                    for i in chunk
                ],
            )
            s.execute(
                insert(DetectionRecord),
                [
                    {
                        "id": make_id("detection", make_id("bench-item", i), "bench"),
                        "item_id": make_id("bench-item", i),
                        "classifier": "bench",
                        "label": 1,
                        "score": 0.9,
                        "reasons": [],
                        "status": "new",
                        "queued": False,
                        "priority": 0,
                    }
                    for i in chunk
                ],
            )
        inds = {(t, v) for _, t, v in mentions}
        rows = [
            {
                "id": indicator_id(t, v),
                "type": t,
                "value": v,
                "valid": True,
                "mentions": 0,
                "first_seen": start,
                "last_seen": start,
                "tags": {},
            }
            for t, v in inds
        ]
        for b in range(0, len(rows), 5000):
            s.execute(insert(IndicatorRecord), rows[b : b + 5000])
        seen_pairs = set()
        mrows = []
        for i, t, v in mentions:
            key = (i, t, v)
            if key in seen_pairs:
                continue
            seen_pairs.add(key)
            mrows.append(
                {
                    "id": make_id("m", i, t, v),
                    "item_id": make_id("bench-item", i),
                    "indicator_id": indicator_id(t, v),
                    "raw": v,
                    "start": 0,
                    "end": len(v),
                    "extractor": "bench",
                }
            )
        for b in range(0, len(mrows), 10000):
            s.execute(insert(ItemIndicatorRecord), mrows[b : b + 10000])
    t1 = time.perf_counter()
    print(
        f"store ({rt.db.engine.url.get_backend_name()}): loaded {n_items} posts, "
        f"{len(mrows)} mentions in {t1 - t0:.1f}s"
    )
    with rt.db.session() as s:
        rep = relink(s, with_near_dups=False)
    t2 = time.perf_counter()
    print(
        f"  relink: {rep.shops} shops, {rep.hubs} hubs in {t2 - t1:.1f}s "
        + ", ".join(f"{k} {v:.1f}s" for k, v in rep.seconds.items())
    )
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--db", default="", help="sqlite or a PostgreSQL URL (empty: skip)")
    parser.add_argument("--db-items", type=int, default=0, help="posts in the store run")
    parser.add_argument("--incremental", type=int, default=0)
    parser.add_argument("--profile-items", type=int, default=0)
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, {platform.machine()}, cpus {os.cpu_count()}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    run_memory(args.items)
    if args.db:
        run_store(args.db, args.db_items or args.items, args.incremental, args.profile_items)


if __name__ == "__main__":
    main()

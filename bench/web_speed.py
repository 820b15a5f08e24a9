"""Analyst UI and audit log speed: queue, detail and verdict latency; audit append and verify.

Stores N queued detections (with documents, reasons and indicator mentions) directly, then
times the pages through the real app in-process (FastAPI TestClient: routing, database,
templates), and times audit appends (one transaction each, as in the UI) and a full
``audit.verify``. SQLite by default; PostgreSQL with ``--database-url``.

    .venv/bin/python bench/web_speed.py [--detections 20000] [--audit 5000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert

from narcowatch.api.app import create_app
from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.security import audit
from narcowatch.security.users import add_user
from narcowatch.settings import Settings
from narcowatch.store.tables import DetectionRecord, DocumentRecord, ItemRecord, SourceRecord

TEXT = "Закладки в Алматы 24/7! Мефедрон, шишки. Пиши @shop_bot_{n}, тел +7 701 234 {n:04d}"


def seed(rt: Runtime, count: int) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with rt.db.session() as session:
        sources = [make_id("source", "bench", i) for i in range(5)]
        session.execute(
            insert(SourceRecord),
            [{"id": s, "kind": "bench", "name": f"Channel {i}"} for i, s in enumerate(sources)],
        )
        items, docs, dets = [], [], []
        for n in range(count):
            iid = make_id("item", n)
            text = TEXT.format(n=n % 10_000)
            items.append(
                {
                    "id": iid,
                    "source_id": sources[n % 5],
                    "external_id": str(n),
                    "text": text,
                    "blob_sha256": "0" * 64,
                    "published_at": start + timedelta(minutes=n),
                    "status": "done",
                }
            )
            docs.append(
                {
                    "id": iid,
                    "text": text,
                    "folded": text.casefold(),
                    "lang": ["ru", "kk", "en"][n % 3],
                    "normalizer": "bench",
                }
            )
            dets.append(
                {
                    "id": make_id("detection", iid),
                    "item_id": iid,
                    "classifier": "bench.v1",
                    "label": 1,
                    "score": 0.5 + (n * 7919 % 5000) / 10_000,
                    "reasons": [
                        {
                            "term": "закладка",
                            "kind": "delivery",
                            "weight": 2.4,
                            "start": 0,
                            "end": 8,
                        },
                        {
                            "term": "мефедрон",
                            "kind": "substance",
                            "weight": 2.2,
                            "start": 24,
                            "end": 32,
                        },
                    ],
                    "status": "new",
                    "queued": True,
                    "priority": n % 120,
                }
            )
        session.execute(insert(ItemRecord), items)
        session.execute(insert(DocumentRecord), docs)
        session.execute(insert(DetectionRecord), dets)


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detections", type=int, default=20_000)
    parser.add_argument("--audit", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="nw-web-bench-"))
    settings = Settings(data_dir=tmp / "data", database_url=args.database_url)
    rt = Runtime.open(settings)
    backend = rt.db.engine.url.get_backend_name()
    print(f"python {platform.python_version()} on {platform.platform()}, {backend}")
    print(f"fastapi {metadata.version('fastapi')}, sqlalchemy {metadata.version('sqlalchemy')}")

    started = time.perf_counter()
    seed(rt, args.detections)
    print(f"seeded {args.detections} queued detections in {time.perf_counter() - started:.1f}s")
    with rt.db.session() as session:
        add_user(session, "bench", "bench password", "supervisor", "en")

    client = TestClient(create_app(rt), headers={"accept": "text/html"})
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post(
        "/login", data={"username": "bench", "password": "bench password", "csrf_token": token}
    )
    first = re.search(r'href="/review/([0-9a-f]{32})', client.get("/review").text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/review").text).group(1)  # type: ignore[union-attr]

    for label, path in [
        ("queue page 1 (by score)", "/review"),
        ("queue filtered (lang=ru, by priority)", "/review?lang=ru&sort=priority"),
        ("queue page 100", "/review?page=100"),
        ("detail page", f"/review/{first}"),
    ]:
        median, worst = timed(lambda p=path: client.get(p).raise_for_status(), args.repeat)
        print(f"{label:40s} median {median:7.1f} ms   max {worst:7.1f} ms")

    ids = [make_id("detection", make_id("item", n)) for n in range(args.repeat)]
    it = iter(ids)

    def verdict() -> None:
        did = next(it)
        response = client.post(
            f"/review/{did}/verdict",
            data={"verdict": "reject", "csrf_token": csrf},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.status_code

    median, worst = timed(verdict, args.repeat)
    print(
        f"{'verdict (POST, audited, next item)':40s} median {median:7.1f} ms   max {worst:7.1f} ms"
    )

    started = time.perf_counter()
    for n in range(args.audit):
        with rt.db.session() as session:
            audit.record(
                session,
                actor="bench",
                action="bench.append",
                target_type="t",
                target_id=str(n),
                details={"n": n},
            )
    elapsed = time.perf_counter() - started
    print(f"audit append: {args.audit} entries in {elapsed:.1f}s ({args.audit / elapsed:.0f}/s)")
    with rt.db.session() as session:
        total = audit.count(session)
        started = time.perf_counter()
        problems = audit.verify(session)
        elapsed = time.perf_counter() - started
    print(
        f"audit verify: {total} entries in {elapsed:.2f}s ({total / elapsed:.0f}/s), "
        f"problems: {len(problems)}"
    )
    rt.close()
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

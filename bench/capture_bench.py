"""Capture and re-check speed against a local site (targets: capture <= 3 s median,
1,000 re-checks <= 60 s).

A capture here is the full court-grade one: fetch into a WARC, render in headless Chromium
(full-page screenshot, PDF, DOM, sub-resources WARC), SHA-256 of everything, manifest,
RFC 3161 token from a local ``openssl ts`` authority, custody entries, database writes.
The browser is started once and reused, as a worker does; one cold capture (browser start
included) is timed separately. Re-checks probe 1,000 blocked URLs with bounded concurrency
and store each result as evidence.

    .venv/bin/python bench/capture_bench.py [--captures 20] [--rechecks 1000] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from narcowatch.cases import blocking  # noqa: E402
from narcowatch.cases.capture import capture_evidence  # noqa: E402
from narcowatch.cases.rechecks import run_rechecks  # noqa: E402
from narcowatch.cases.render import Renderer  # noqa: E402
from narcowatch.runtime import Runtime  # noqa: E402
from narcowatch.settings import Settings  # noqa: E402
from tests.fakes.site import SHOP_HTML, Page, serve_site  # noqa: E402
from tests.fakes.tsa import serve_tsa  # noqa: E402


def bench_captures(rt: Runtime, url: str, n: int) -> dict[str, float]:
    t0 = time.perf_counter()
    cold = capture_evidence(rt, url, "bench")
    cold_s = time.perf_counter() - t0
    assert cold.status == "captured", cold.error
    times = []
    with Renderer() as renderer:
        capture_evidence(rt, url, "bench", renderer=renderer)  # warm the browser
        for _ in range(n):
            t0 = time.perf_counter()
            ev = capture_evidence(rt, url, "bench", renderer=renderer)
            times.append(time.perf_counter() - t0)
            assert ev.status == "captured", ev.error
    times.sort()
    return {
        "cold_s": cold_s,
        "median_s": statistics.median(times),
        "p90_s": times[int(0.9 * (len(times) - 1))],
        "max_s": times[-1],
    }


def bench_rechecks(rt: Runtime, site, n: int, concurrency: int) -> dict[str, float]:
    for i in range(n):
        site.pages[f"/p/{i}"] = Page(body=f"<html><body>page {i}</body></html>".encode())
    targets = [
        blocking.make_target(site.url(f"/p/{i}"), kind="url",
                             detected_at=datetime(2026, 10, 1, tzinfo=UTC),
                             category="drug_sale", legal_ground="cc_299_1")
        for i in range(n)
    ]  # fmt: skip
    with rt.db.session() as s:
        req = blocking.create_request(s, rt.settings, targets, "bench")
        blocking.set_request_status(s, rt.settings, req.id, "sent", "bench")
        blocking.set_request_status(s, rt.settings, req.id, "blocked", "bench")
    for i in range(0, n, 2):  # half stays down, half "reappears"
        del site.pages[f"/p/{i}"]
    t0 = time.perf_counter()
    totals = run_rechecks(rt, "bench", concurrency)
    elapsed = time.perf_counter() - t0
    assert totals["checked"] == n, totals
    return {"seconds": elapsed, "per_s": n / elapsed, **totals}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=20)
    parser.add_argument("--rechecks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--database-url", default=os.environ.get("NARCOWATCH_BENCH_DATABASE_URL", "")
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_tsa(Path(tmp) / "tsa") as tsa,
        serve_site() as site,
    ):
        site.pages["/shop"] = Page(body=(SHOP_HTML * 3).encode())
        settings = Settings(
            data_dir=Path(tmp) / "data", database_url=args.database_url,
            allowed_hosts=["127.0.0.1"], tsa_url=tsa.url, tsa_ca_file=str(tsa.ca_file),
        )  # fmt: skip
        rt = Runtime.open(settings)
        with Renderer() as probe:
            probe.start()
            chromium = probe.version
        cap = bench_captures(rt, site.url("/redirect?to=/shop"), args.captures)
        rec = bench_rechecks(rt, site, args.rechecks, args.concurrency)
        backend = rt.db.engine.url.get_backend_name()
        rt.close()
    print("environment:")
    print(f"  python {platform.python_version()} on {platform.platform()}")
    print(f"  cpus {os.cpu_count()}, chromium {chromium}, database {backend}")
    print(f"capture (WARC+screenshot+PDF+DOM+hashes+manifest+RFC 3161), n={args.captures}:")
    print(f"  median {cap['median_s']:.2f} s  p90 {cap['p90_s']:.2f} s  max {cap['max_s']:.2f} s")
    print(f"  cold (browser start included) {cap['cold_s']:.2f} s   target: median <= 3 s")
    print(f"re-checks: {args.rechecks} targets, concurrency {args.concurrency}:")
    print(f"  {rec['seconds']:.1f} s ({rec['per_s']:.0f}/s), still blocked {rec['still_blocked']}, "
          f"reappeared {rec['reappeared']}   target: <= 60 s")  # fmt: skip


if __name__ == "__main__":
    main()

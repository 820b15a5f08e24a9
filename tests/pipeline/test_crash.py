"""SIGKILL in the middle of an import and in the middle of a batch, then a re-run.

A real worker process (``crash_worker.py``) imports a few thousand items and runs the default
stages plus a slow one. It is killed with SIGKILL once during the import and once after at
least one batch was committed, then run to completion. Every item must end up processed
exactly once: committed counters equal the item count, every indicator mention the
extractors find is stored once, and no natural key is duplicated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

from narcowatch.extract.registry import extract_all
from narcowatch.pipeline.counters import stored_counters
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings
from narcowatch.store.db import make_engine
from narcowatch.store.tables import (
    DetectionRecord,
    IndicatorRecord,
    ItemIndicatorRecord,
    ItemRecord,
)

WORKER = Path(__file__).with_name("crash_worker.py")
# Items and batch size per backend: PostgreSQL pays a round trip per statement, so it gets
# fewer items (its point is the transaction semantics, not the volume).
SIZES = {"sqlite": (1000, 40), "postgres": (300, 20)}
Counts = Callable[[Runtime], dict[str, int]]

POSITIVE = [
    "Мефедрон и альфа, закладки по {city}, пиши @{shop}_shop_test (SYNTHETIC {n})",
    "Клад в {city} за 15 минут, оператор @{shop}_shop_test, тел {phone} (SYNTHETIC {n})",
    "{city}: есірткі, закладка, жаз @{shop}_shop_test (SYNTHETIC {n})",
    "Stealth drops in {city}, mephedrone and weed, DM @{shop}_shop_test (SYNTHETIC {n})",
]
NEGATIVE = [
    "Полиция {city} задержала курьера с наркотиками (SYNTHETIC NEWS {n})",
    "Продам диван в {city}, звонить {phone} (SYNTHETIC {n})",
    "{city}да ауа райы жақсы болады (SYNTHETIC {n})",
    "Pharmacy in {city} is open until 22:00, see https://pharmacy.example.test (SYNTHETIC {n})",
    "Погода в {city} сегодня солнечная (SYNTHETIC {n})",
    "Концерт в {city} перенесли на субботу (SYNTHETIC {n})",
]
CITIES = ["Алматы", "Астана", "Шымкент", "Караганда", "Актобе"]


def make_input(path: Path, count: int) -> dict[str, str]:
    """A deterministic mix of shop posts (25 shops sharing handles) and ordinary posts."""
    texts = {}
    for n in range(count):
        pool = POSITIVE if n % 3 == 0 else NEGATIVE
        texts[f"p{n}"] = pool[n % len(pool)].format(
            n=n,
            city=CITIES[n % len(CITIES)],
            shop=f"s{n % 25}",
            phone=f"+7 701 {n % 1000:03d} {n % 100:02d} {n % 97:02d}",
        )
    with path.open("w", encoding="utf-8") as fh:
        for ext, text in texts.items():
            fh.write(json.dumps({"id": ext, "text": text}, ensure_ascii=False) + "\n")
    return texts


def start(settings: Settings, data: Path) -> subprocess.Popen[str]:
    cmd = [sys.executable, str(WORKER), "--data-dir", str(settings.data_dir), "--input", str(data)]
    cmd += ["--database-url", settings.database_url, "--batch-size", str(settings.batch_size)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARCOWATCH_")}
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=data.parent
    )


def scalar(engine: Engine, query: object) -> int:
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar() or 0  # type: ignore[call-overload]
    except DBAPIError:
        return 0  # tables not migrated yet


def wait_for(proc: subprocess.Popen[str], what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 240
    while not check():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"worker ended before {what}: rc={proc.returncode}\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL


def blob_count(settings: Settings) -> int:
    root = settings.blob_dir
    if not root.exists():
        return 0
    return sum(1 for p in root.rglob("*") if p.is_file() and not p.name.startswith(".tmp-"))


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def worker_settings(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Settings, int]:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    count, batch = SIZES[request.param]
    return Settings(data_dir=tmp_path / "data", database_url=url, batch_size=batch), count


@pytest.mark.slow
def test_sigkill_during_import_and_batch_then_rerun(
    worker_settings: tuple[Settings, int], tmp_path: Path, duplicates: Counts
) -> None:
    settings, count = worker_settings
    batch = settings.batch_size
    data = tmp_path / "posts.jsonl"
    texts = make_input(data, count)
    # The poller only reads: a deferred BEGIN keeps it from taking SQLite's write lock every
    # few milliseconds, which would starve the worker it watches.
    engine = make_engine(settings.db_url).execution_options(sqlite_begin="DEFERRED")
    items = select(func.count()).select_from(ItemRecord)
    done = select(func.count()).where(ItemRecord.status == "done")

    # 1. Killed half-way through the import: the file's transaction never commits.
    proc = start(settings, data)
    wait_for(proc, "some blobs", lambda: blob_count(settings) >= count // 5)
    kill(proc)
    assert blob_count(settings) < count  # the import was still reading items...
    assert scalar(engine, items) == 0  # ...so nothing of it is in the database

    # 2. Killed after at least one batch committed, before the run finished.
    proc = start(settings, data)
    wait_for(proc, "a committed batch", lambda: scalar(engine, done) >= batch)
    kill(proc)
    committed = scalar(engine, done)
    assert scalar(engine, items) == count
    assert batch <= committed < count and committed % batch == 0  # whole batches only

    # 3. Re-run to completion.
    proc = start(settings, data)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert f"ingested new=0 unchanged={count}" in out and f"processed {count - committed}" in out
    engine.dispose()

    rt = Runtime.open(settings)
    try:
        with rt.db.session() as s:
            rows = s.scalars(select(ItemRecord)).all()
            assert len(rows) == count
            assert {r.status for r in rows} == {"done"}
            assert all(not r.errors for r in rows)
            by_id = {r.id: r.external_id for r in rows}
            counters = stored_counters(s)
            detections = s.scalars(select(DetectionRecord)).all()
            stored_mentions = {
                (by_id[m.item_id], ind.type, ind.value, m.start)
                for m, ind in s.execute(
                    select(ItemIndicatorRecord, IndicatorRecord).join(
                        IndicatorRecord, IndicatorRecord.id == ItemIndicatorRecord.indicator_id
                    )
                )
            }
            mention_rows = s.scalar(select(func.count()).select_from(ItemIndicatorRecord))
            mention_sum = s.scalar(select(func.sum(IndicatorRecord.mentions)))
        for stage in ("normalize", "classify", "extract", "slow"):
            assert counters[stage]["items"] == count, (stage, counters[stage])
        assert counters["ingest"]["new"] == count and counters["ingest"]["unchanged"] == count
        positives = sum(d.label for d in detections)
        assert len(detections) == count and positives >= count // 5
        assert counters["classify"]["positives"] == positives
        assert counters["link"]["items"] == positives
        assert counters["queue"]["queued"] == sum(d.queued for d in detections)
        expected = {
            (ext, ind.type, ind.value, ind.start)
            for ext, text in texts.items()
            for ind in extract_all(text)
        }
        assert stored_mentions == expected
        assert mention_rows == len(expected) == mention_sum
        assert set(duplicates(rt).values()) == {0}
    finally:
        rt.close()

"""The store half of ``link_bench.py``: load generated posts fast, relink in a fresh process
(so its peak RSS is the relink's own, as for ``narcowatch shops relink``), score the stored
shops against the truth.

Loading is set-up, not the thing measured: SQLite gets DBAPI ``executemany``, PostgreSQL
``COPY``, both without ORM objects, so a 1 M-post world loads in a few minutes.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.link.bulk import big_cache, chunked
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings, load_settings
from narcowatch.store.indicators import indicator_id
from narcowatch.store.tables import SourceRecord

START = datetime(2026, 1, 1, tzinfo=UTC)


def bench_settings(data_dir: Path, url: str) -> Settings:
    os.environ["NARCOWATCH_CONFIG"] = str(data_dir / "none.toml")
    return load_settings().model_copy(
        update={"data_dir": data_dir, "database_url": None if url == "sqlite" else url}
    )


def fresh_database(url: str) -> tuple[str, str | None]:
    """``sqlite`` as is; for PostgreSQL a new database next to ``url`` (dropped later)."""
    if url == "sqlite":
        return url, None
    name = f"link_bench_{os.getpid()}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name, name


def drop_database(url: str, name: str | None) -> None:
    if name is None:
        return
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def bulk(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> int:
    """Insert plain tuples: COPY on PostgreSQL, executemany on SQLite."""
    conn = session.connection()
    cols = ", ".join(f'"{c}"' for c in columns)
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in columns)})"
    for chunk in chunked(rows):
        conn.exec_driver_sql(sql, chunk)  # type: ignore[arg-type]
        n += len(chunk)
    return n


def load_world(
    rt: Runtime, mentions: list[tuple[str, str, str]], truth: dict[str, int]
) -> tuple[str, int]:
    """Posts, positive detections, indicators and mentions; returns (source id, mentions)."""
    sqlite = rt.db.engine.dialect.name == "sqlite"

    def ts(value: datetime) -> Any:  # SQLAlchemy's SQLite DateTime text format
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value

    true, empty_obj, empty_list = (1 if sqlite else True), "{}", "[]"
    src = make_id("source", "bench")
    with rt.db.session() as s:
        big_cache(s)
        s.add(SourceRecord(id=src, kind="telegram", name="bench"))
        s.flush()
        ids = {i: make_id("bench-item", i) for i in truth}
        fetched = ts(START)
        bulk(
            s,
            "raw_items",
            (
                "id",
                "source_id",
                "external_id",
                "text",
                "blob_sha256",
                "content_type",
                "published_at",
                "fetched_at",
                "meta",
                "status",
                "errors",
            ),
            (
                (
                    iid,
                    src,
                    i,
                    f"post {i}: товар в наличии, закладки, Алматы",
                    "0" * 64,
                    "application/json",
                    ts(START + timedelta(minutes=int(i[1:]))),
                    fetched,
                    empty_obj,
                    "done",
                    empty_obj,
                )
                for i, iid in ids.items()
            ),
        )
        bulk(
            s,
            "detections",
            (
                "id",
                "item_id",
                "classifier",
                "label",
                "score",
                "reasons",
                "status",
                "queued",
                "priority",
                "created_at",
            ),
            (
                (
                    make_id("detection", iid, "bench"),
                    iid,
                    "bench",
                    1,
                    0.9,
                    empty_list,
                    "new",
                    0 if sqlite else False,
                    0,
                    fetched,
                )
                for iid in ids.values()
            ),
        )
        inds = {(t, v): indicator_id(t, v) for _, t, v in mentions}
        bulk(
            s,
            "indicators",
            ("id", "type", "value", "valid", "mentions", "first_seen", "last_seen", "tags"),
            ((k, t, v, true, 0, fetched, fetched, empty_obj) for (t, v), k in inds.items()),
        )
        n = bulk(
            s,
            "item_indicators",
            ("id", "item_id", "indicator_id", "raw", "start", "end", "extractor"),
            (
                (make_id("m", i, t, v), ids[i], inds[(t, v)], v, 0, len(v), "bench")
                for i, t, v in dict.fromkeys(mentions)
            ),
        )
    if sqlite:
        with rt.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return src, n


def relink_child(data_dir: str, url: str) -> None:
    """Entry point of the measured process: open the store, relink, commit, report."""
    from narcowatch.link.relink import relink

    rt = Runtime.open(bench_settings(Path(data_dir), url), migrate=False)
    t0 = time.perf_counter()
    with rt.db.session() as s:
        rep = relink(s, with_near_dups=False)
        t1 = time.perf_counter()
    out = {
        "shops": rep.shops,
        "hubs": rep.hubs,
        "items": rep.items,
        "mentions": rep.mentions,
        "seconds": {**rep.seconds, "commit": time.perf_counter() - t1},
        "total": time.perf_counter() - t0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # CPU seconds of this process (with SQLite, the database's work too): what the
        # relink needs regardless of how many other jobs share the cores
        "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
        "load": os.getloadavg()[0],
    }
    rt.close()
    print(json.dumps(out))


def run_relink(data_dir: Path, url: str) -> dict[str, Any]:
    """Relink in a child process; its wall time, phase times and peak RSS."""
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "relink", str(data_dir), url],
        check=True,
        capture_output=True,
        text=True,
    )
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    out["wall"] = time.perf_counter() - t0
    return out


def stored_shops(rt: Runtime) -> dict[str, str]:
    """external id of each post -> its shop id, as stored."""
    with rt.db.session(readonly=True) as s:
        rows = s.execute(
            text(
                "SELECT i.external_id, m.shop_id FROM shop_members m "
                "JOIN raw_items i ON i.id = m.member_id WHERE m.member_type = 'item'"
            )
        )
        return {ext: sid for ext, sid in rows}


def temp_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="link-bench-"))


if __name__ == "__main__" and sys.argv[1:2] == ["relink"]:
    relink_child(sys.argv[2], sys.argv[3])

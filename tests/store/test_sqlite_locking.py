"""SQLite writers take the write lock up front; read-only sessions do not."""

from __future__ import annotations

import threading

from sqlalchemy import select

from narcowatch.runtime import Runtime
from narcowatch.store.tables import SourceRecord


def test_read_then_write_does_not_fail_when_another_writer_commits(runtime: Runtime) -> None:
    """The classic deferred-transaction failure: read, another writer commits, then write."""
    db = runtime.db
    read_done, other_committed = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with db.session() as s:
                s.scalars(select(SourceRecord)).all()
                read_done.set()
                other_committed.wait(2)  # the other writer is blocked, so this times out
                s.add(SourceRecord(id="a", kind="file", name="a"))
        except BaseException as exc:  # pragma: no cover - the failure being tested
            errors.append(exc)

    def second() -> None:
        read_done.wait(5)
        with db.session() as s:
            s.add(SourceRecord(id="b", kind="file", name="b"))
        other_committed.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with db.session(readonly=True) as s:
        assert sorted(s.scalars(select(SourceRecord.id))) == ["a", "b"]


def test_readonly_session_runs_beside_a_writer(runtime: Runtime) -> None:
    db = runtime.db
    with db.session() as writer:
        writer.add(SourceRecord(id="w", kind="file", name="w"))
        writer.flush()
        with db.session(readonly=True) as reader:  # would wait 30 s if it wanted the lock
            assert reader.scalars(select(SourceRecord.id)).all() == []

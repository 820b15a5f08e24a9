"""The audit chain: appends, verification, tampering by direct SQL, concurrent writers.

Tampering cases run on SQLite (the verification logic is the same on both databases);
what depends on the database (JSON and time round trips, locking) runs on both.
"""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import text

from narcowatch.runtime import Runtime
from narcowatch.security import audit


def _append(rt: Runtime, n: int, actor: str = "anna") -> None:
    for i in range(n):
        with rt.db.session() as session:
            audit.record(
                session,
                actor=actor,
                action="detection.confirmed",
                target_type="detection",
                target_id=f"d{i}",
                details={"i": i, "score": 0.87, "note": "закладка ✓"},
            )


def _sql(rt: Runtime, statement: str, **params: object) -> None:
    with rt.db.engine.begin() as conn:
        conn.execute(text(statement), params)


def _verify(rt: Runtime) -> list[str]:
    with rt.db.session() as session:
        return audit.verify(session)


def test_entries_chain_and_verify(any_runtime: Runtime) -> None:
    _append(any_runtime, 5)
    with any_runtime.db.session() as session:
        entries = audit.list_entries(session)
        assert [e.seq for e in entries] == [5, 4, 3, 2, 1]
        assert entries[-1].prev_hash == "0" * 64
        for newer, older in itertools.pairwise(entries):
            assert newer.prev_hash == older.hash
            assert newer.hash == audit.entry_hash(newer)
        assert audit.head(session) == (5, entries[0].hash)
        assert entries[0].details == {"i": 4, "score": 0.87, "note": "закладка ✓"}
    assert _verify(any_runtime) == []


def test_empty_log_is_intact(runtime: Runtime) -> None:
    assert _verify(runtime) == []


def test_rolled_back_append_leaves_no_trace(runtime: Runtime) -> None:
    _append(runtime, 2)
    with pytest.raises(RuntimeError), runtime.db.session() as session:
        audit.record(session, actor="x", action="a", target_type="t", target_id="1")
        raise RuntimeError("the caller's transaction fails")
    _append(runtime, 1)
    with runtime.db.session() as session:
        assert audit.head(session)[0] == 3
    assert _verify(runtime) == []


def test_modified_entry_is_named(runtime: Runtime) -> None:
    _append(runtime, 5)
    _sql(runtime, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3")
    assert _verify(runtime) == ["seq 3: content does not match its hash (modified)"]


def test_modified_details_are_named(any_runtime: Runtime) -> None:
    _append(any_runtime, 4)
    _sql(
        any_runtime,
        "UPDATE audit_entries SET details = :d WHERE seq = 2",
        d='{"i": 1, "score": 0.1, "note": "закладка ✓"}',
    )
    assert _verify(any_runtime) == ["seq 2: content does not match its hash (modified)"]


def test_rehashed_modification_breaks_the_next_link(runtime: Runtime) -> None:
    """An attacker who recomputes the entry's own hash still breaks the chain after it."""
    _append(runtime, 4)
    with runtime.db.session() as session:
        entry = next(e for e in audit.list_entries(session) if e.seq == 2)
        entry.actor = "mallory"
        forged = audit.entry_hash(entry)
    _sql(
        runtime,
        "UPDATE audit_entries SET actor = 'mallory', hash = :h WHERE seq = 2",
        h=forged,
    )
    problems = _verify(runtime)
    assert problems == [
        "seq 3: prev_hash does not match seq 2 (entry inserted, replaced or reordered)"
    ]


def test_deleted_entry_is_named(runtime: Runtime) -> None:
    _append(runtime, 5)
    _sql(runtime, "DELETE FROM audit_entries WHERE seq = 3")
    assert _verify(runtime) == ["seq 3: missing (deleted)"]


def test_deleted_tail_is_detected_by_the_head(runtime: Runtime) -> None:
    _append(runtime, 5)
    _sql(runtime, "DELETE FROM audit_entries WHERE seq >= 4")
    assert _verify(runtime) == ["seq 4-5: missing at the end (deleted)"]


def test_everything_deleted_is_detected(runtime: Runtime) -> None:
    _append(runtime, 3)
    _sql(runtime, "DELETE FROM audit_entries")
    assert _verify(runtime) == ["seq 1-3: missing at the end (deleted)"]


def test_inserted_entry_is_named(runtime: Runtime) -> None:
    """Insert in the middle: shift later entries up by one and put a forged one at seq 3."""
    _append(runtime, 4)
    for seq in (4, 3):
        _sql(runtime, "UPDATE audit_entries SET seq = :n WHERE seq = :o", n=seq + 1, o=seq)
    _sql(
        runtime,
        "INSERT INTO audit_entries (seq, at, actor, action, target_type, target_id, details, "
        "prev_hash, hash) SELECT 3, at, 'mallory', 'detection.rejected', target_type, "
        "target_id, details, hash, :h FROM audit_entries WHERE seq = 2",
        h="f" * 64,
    )
    problems = _verify(runtime)
    assert problems[:3] == [
        "seq 3: content does not match its hash (modified)",
        "seq 4: content does not match its hash (modified)",
        "seq 4: prev_hash does not match seq 3 (entry inserted, replaced or reordered)",
    ]
    assert problems[-1] == "seq 5: not in the chain head (inserted)"


def test_appended_forgery_is_named(runtime: Runtime) -> None:
    _append(runtime, 3)
    _sql(
        runtime,
        "INSERT INTO audit_entries (seq, at, actor, action, target_type, target_id, details, "
        "prev_hash, hash) SELECT 4, at, actor, action, target_type, target_id, details, hash, "
        "hash FROM audit_entries WHERE seq = 3",
    )
    assert _verify(runtime) == [
        "seq 4: content does not match its hash (modified)",
        "seq 4: not in the chain head (inserted)",
    ]


def test_reordered_entries_are_named(runtime: Runtime) -> None:
    _append(runtime, 5)
    _sql(runtime, "UPDATE audit_entries SET seq = 100 WHERE seq = 2")
    _sql(runtime, "UPDATE audit_entries SET seq = 2 WHERE seq = 3")
    _sql(runtime, "UPDATE audit_entries SET seq = 3 WHERE seq = 100")
    problems = _verify(runtime)
    assert "seq 2: content does not match its hash (modified)" in problems
    assert "seq 3: content does not match its hash (modified)" in problems
    assert all(p.startswith(("seq 2:", "seq 3:", "seq 4:")) for p in problems)


def test_negative_seq_is_named(runtime: Runtime) -> None:
    _append(runtime, 2)
    _sql(
        runtime,
        "INSERT INTO audit_entries (seq, at, actor, action, target_type, target_id, details, "
        "prev_hash, hash) SELECT 0, at, actor, action, target_type, target_id, details, "
        "prev_hash, hash FROM audit_entries WHERE seq = 1",
    )
    problems = _verify(runtime)
    assert problems[0] == "seq 0: unexpected entry before seq 1 (inserted)"
    assert "seq 0: content does not match its hash (modified)" in problems
    assert any(p.startswith("seq 1: prev_hash does not match seq 0") for p in problems)


def test_concurrent_writers_never_fork_the_chain(any_runtime: Runtime) -> None:
    """Two threads, each with its own connection, append at the same time."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def writer(actor: str) -> None:
        try:
            barrier.wait()
            _append(any_runtime, 25, actor=actor)
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("anna", "boris", "carl")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with any_runtime.db.session() as session:
        seqs = sorted(e.seq for e in audit.list_entries(session, per_page=1000))
        assert audit.head(session)[0] == 75
    assert seqs == list(range(1, 76))
    assert _verify(any_runtime) == []


def test_lock_then_read_then_append_serialises(any_runtime: Runtime) -> None:
    """The review pattern: lock first, read, then append, from two threads at once."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def reviewer(actor: str) -> None:
        try:
            barrier.wait()
            for i in range(10):
                with any_runtime.db.session() as session:
                    audit.lock_chain(session)
                    before = audit.head(session)[0]
                    entry = audit.record(
                        session, actor=actor, action="x", target_type="t", target_id=str(i)
                    )
                    assert entry.seq == before + 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reviewer, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert _verify(any_runtime) == []

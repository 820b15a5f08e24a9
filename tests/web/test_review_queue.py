"""Review queue domain functions (cases/review.py) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from narcowatch.cases import review
from narcowatch.errors import CaseError
from narcowatch.runtime import Runtime
from narcowatch.security import audit


@pytest.fixture
def runtime(any_runtime: Runtime) -> Runtime:  # the web fixtures build on `runtime`
    return any_runtime


def test_queue_order_filters_and_paging(
    runtime: Runtime, add_detection: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    low = add_detection(score=0.55, lang="ru", source="Channel A")
    high = add_detection(score=0.97, lang="kk", source="Channel B")
    mid_hi_prio = add_detection(score=0.8, priority=50, lang="en", source="Channel A")
    mid_lo_prio = add_detection(score=0.8, priority=10, lang="ru", source="Channel A")
    add_detection(score=0.99, queued=False)  # below threshold: never in the queue
    done = add_detection(score=0.9, status="confirmed")
    with runtime.db.session() as session:
        page = review.list_queue(session, review.QueueFilters())
        assert [r.detection_id for r in page.rows] == [high, mid_hi_prio, mid_lo_prio, low]
        assert page.total == 4
        by_prio = review.list_queue(session, review.QueueFilters(), sort="priority")
        assert [r.detection_id for r in by_prio.rows][:2] == [mid_hi_prio, mid_lo_prio]
        newest = review.list_queue(session, review.QueueFilters(sort="newest"))
        assert [r.detection_id for r in newest.rows] == [mid_lo_prio, mid_hi_prio, high, low]
        ru = review.list_queue(session, review.QueueFilters(lang="ru"))
        assert {r.detection_id for r in ru.rows} == {low, mid_lo_prio}
        sources = dict((name, sid) for sid, name in review.queue_sources(session))
        assert set(sources) == {"Channel A", "Channel B"}
        chan_b = review.list_queue(session, review.QueueFilters(source=sources["Channel B"]))
        assert [r.detection_id for r in chan_b.rows] == [high]
        confirmed = review.list_queue(session, review.QueueFilters(status="confirmed"))
        assert [r.detection_id for r in confirmed.rows] == [done]
        every = review.list_queue(session, review.QueueFilters(status=""))
        assert every.total == 5
        assert review.queue_langs(session) == ["en", "kk", "ru"]
        counts = review.status_counts(session, review.QueueFilters())
        assert counts == {"new": 4, "confirmed": 1, "rejected": 0, "escalated": 0}
        ru_counts = review.status_counts(session, review.QueueFilters(lang="ru", status="new"))
        assert ru_counts["new"] == 2
        monkeypatch.setattr(review, "PER_PAGE", 3)
        second = review.list_queue(session, review.QueueFilters(), page=2)
        assert (second.page, second.pages, [r.detection_id for r in second.rows]) == (2, 2, [low])
        beyond = review.list_queue(session, review.QueueFilters(), page=99)
        assert beyond.page == 2


@pytest.mark.parametrize("sort", review.SORTS)
def test_neighbours_follow_the_queue_order(
    runtime: Runtime, add_detection: Callable[..., str], sort: str
) -> None:
    ids = [add_detection(score=s, priority=p) for s, p in ((0.6, 5), (0.9, 1), (0.7, 5), (0.9, 1))]
    filters = review.QueueFilters(sort=sort)
    with runtime.db.session() as session:
        order = [r.detection_id for r in review.list_queue(session, filters).rows]
        assert set(order) == set(ids)
        for i, det_id in enumerate(order):
            prev_id, next_id = review.neighbours(session, det_id, filters)
            assert prev_id == (order[i - 1] if i else None)
            assert next_id == (order[i + 1] if i + 1 < len(order) else None)


def test_verdict_is_audited_and_leaves_the_pending_queue(
    runtime: Runtime, add_detection: Callable[..., str]
) -> None:
    first = add_detection(score=0.9)
    second = add_detection(score=0.8)
    with runtime.db.session() as session:
        det = review.set_verdict(session, first, "confirm", "anna", role="analyst")
        assert (det.status, det.reviewed_by) == ("confirmed", "anna")
    with runtime.db.session() as session:
        assert [r.detection_id for r in review.list_queue(session, review.QueueFilters()).rows] == [
            second
        ]
        # The reviewed detection's next pending neighbour is still found.
        assert review.neighbours(session, first, review.QueueFilters()) == (None, second)
        (entry,) = audit.list_entries(session)
        assert (entry.actor, entry.action, entry.target_id) == (
            "anna",
            "detection.confirmed",
            first,
        )
        assert entry.details["from"] == "new" and entry.details["to"] == "confirmed"
        assert audit.verify(session) == []


def test_same_verdict_twice_writes_one_entry(
    runtime: Runtime, add_detection: Callable[..., str]
) -> None:
    det_id = add_detection()
    for _ in range(2):
        with runtime.db.session() as session:
            review.set_verdict(session, det_id, "rejected", "anna")
    with runtime.db.session() as session:
        assert audit.count(session) == 1


def test_changing_a_verdict_needs_a_supervisor(
    runtime: Runtime, add_detection: Callable[..., str]
) -> None:
    det_id = add_detection()
    with runtime.db.session() as session:
        review.set_verdict(session, det_id, "escalate", "anna", role="analyst")
    with pytest.raises(CaseError) as err, runtime.db.session() as session:
        review.set_verdict(session, det_id, "reject", "anna", role="analyst")
    assert err.value.code == "E953"
    with runtime.db.session() as session:
        review.set_verdict(session, det_id, "reject", "sofia", role="supervisor")
    with runtime.db.session() as session:
        actions = [e.action for e in audit.list_entries(session)]
    assert actions == ["detection.rejected", "detection.escalated"]


@pytest.mark.parametrize(
    ("verdict", "detection", "code"),
    [("approve", "known", "E952"), ("confirm", "missing", "E951")],
)
def test_bad_verdicts_are_refused_without_writing(
    runtime: Runtime, add_detection: Callable[..., str], verdict: str, detection: str, code: str
) -> None:
    det_id = add_detection() if detection == "known" else "0" * 32
    with pytest.raises(CaseError) as err, runtime.db.session() as session:
        review.set_verdict(session, det_id, verdict, "anna")
    assert err.value.code == code
    with runtime.db.session() as session:
        assert audit.count(session) == 0


@pytest.mark.parametrize("bad", [{"status": "deleted"}, {"sort": "random"}])
def test_unknown_filters_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(CaseError):
        review.QueueFilters(**bad)

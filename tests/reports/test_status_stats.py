"""Status follows analysts' actions; answers queue up; statistics add up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from narcowatch.reports.errors import ReportError
from narcowatch.reports.stats import report_stats
from narcowatch.reports.status import (
    mark_answered,
    pending_answers,
    report_history,
    set_link_status,
    set_status,
    sync_from_actions,
)
from narcowatch.reports.submit import ReportDraft, submit_report
from narcowatch.runtime import Runtime
from narcowatch.store.tables import BlockingRequestRecord, ReportRecord, utcnow
from narcowatch.store.tables_reports import ReportEventRecord


def submit(s, token: str, channel: str = "bot", **kw):  # type: ignore[no-untyped-def]
    values = {"kind": "link", "text": "", "links": ["https://dealer.example/x"]}
    values.update(kw)
    now = values.pop("now", None)
    rec, _ = submit_report(
        s,
        ReportDraft(channel=channel, pseudonym=token * 8, token=token, **values),
        now=now,
    )  # type: ignore[arg-type]
    return rec


def test_status_moves_forward_only_and_queues_answers(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        rec = submit(s, "a")
        assert pending_answers(s) == []  # the number was the first answer
        assert set_status(s, rec, "checking", actor="analyst")
        assert not set_status(s, rec, "received", actor="analyst")
        assert set_status(s, rec, "blocked", actor="analyst")
        assert not set_status(s, rec, "rejected", actor="analyst")  # final
        with pytest.raises(ReportError):
            set_status(s, rec, "lost", actor="analyst")
        due = pending_answers(s)
        assert [e.status for e, _ in due] == ["checking", "blocked"]
        mark_answered(s, [e.id for e, _ in due])
        assert pending_answers(s) == []
        assert [e.status for e in report_history(s, rec.id)] == ["received", "checking", "blocked"]


def test_blocking_request_reaches_every_reporter_of_a_link(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        reps = [
            submit(s, t, links=[url])
            for t, url in [
                ("a", "https://dealer.example/x"),
                ("b", "dealer.example/x/"),
                ("c", "https://t.me/shop_kz/15"),
                ("d", "https://other.example"),
            ]
        ]
        s.add(
            BlockingRequestRecord(
                id="r1",
                status="sent",
                created_by="analyst",
                targets=[
                    {"target": "https://dealer.example/x", "category": "drugs"},
                    {"target": "@shop_kz", "category": "drugs"},
                ],
            )
        )
        s.flush()
        assert sync_from_actions(s) == 3
        assert sync_from_actions(s) == 0  # idempotent
        statuses = [s.get(ReportRecord, r.id).status for r in reps]  # type: ignore[union-attr]
        assert statuses == ["sent_for_blocking"] * 3 + ["received"]
        s.get(BlockingRequestRecord, "r1").status = "blocked"  # type: ignore[union-attr]
        sync_from_actions(s)
        assert s.get(ReportRecord, reps[0].id).status == "blocked"  # type: ignore[union-attr]
        with pytest.raises(ReportError):
            set_link_status(s, "https://never.reported", "blocked", actor="x")


def test_statistics(runtime: Runtime) -> None:
    # 10:00 two days ago: "+1 hour" must stay on the same day whenever the test runs
    t0 = (utcnow() - timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    with runtime.db.session() as s:
        a = submit(s, "a", campaign="TRZ-01", region="jambyl", now=t0)
        submit(s, "b", campaign="TRZ-01", region="jambyl", now=t0 + timedelta(hours=1))
        submit(
            s, "c", kind="den", links=[], text="a den", channel="web", now=t0 + timedelta(days=1)
        )
        submit(
            s,
            "d",
            kind="photo",
            links=[],
            text="graffiti",
            region="astana",
            now=t0 + timedelta(days=1),
        )
        set_status(s, a, "blocked", actor="analyst")
        s.execute(select(ReportEventRecord))
        ev = s.scalar(select(ReportEventRecord).where(ReportEventRecord.status == "blocked"))
        assert ev is not None
        ev.at = t0 + timedelta(hours=6)
    with runtime.db.session() as s:
        st = report_stats(s)
    assert st.total == 4
    assert st.per_day == {t0.date().isoformat(): 2, (t0 + timedelta(days=1)).date().isoformat(): 2}
    assert st.per_kind == {"link": 2, "den": 1, "photo": 1}
    assert st.per_campaign == {"TRZ-01": 2, "-": 2}
    assert st.per_region == {"jambyl": 2, "astana": 1, "-": 1}
    assert st.per_channel == {"bot": 3, "web": 1}
    assert st.blocked == 1 and st.share_blocked == 0.25
    assert st.hours_to_block == [6.0] and st.median_hours_to_block == 6.0
    assert st.distinct_links == 1
    with runtime.db.session() as s:
        assert report_stats(s, since=t0 + timedelta(hours=12)).total == 2

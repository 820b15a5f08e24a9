"""Submitting reports: validation, idempotency, link de-duplication, daily limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from narcowatch.reports.campaigns import upsert_campaign
from narcowatch.reports.errors import ReportError
from narcowatch.reports.pseudonyms import Pseudonymizer, load_key
from narcowatch.reports.submit import (
    ReportDraft,
    find_by_number,
    report_links,
    reports_of,
    submit_report,
)
from narcowatch.runtime import Runtime
from narcowatch.settings import Settings
from narcowatch.store.tables import ReportRecord, utcnow
from narcowatch.store.tables_reports import ReportLinkRecord


def draft(token: str, pseudonym: str = "p" * 64, **kw: object) -> ReportDraft:
    values: dict[str, object] = {"kind": "link", "text": "shop https://dealer.example/x"}
    values.update(kw)
    return ReportDraft(channel="web", pseudonym=pseudonym, token=token, **values)  # type: ignore[arg-type]


def test_submit_is_idempotent_per_token(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        first, created = submit_report(s, draft("t1"))
        again, created_again = submit_report(s, draft("t1"))
        other, _ = submit_report(s, draft("t2"))
    assert created and not created_again
    assert first.id == again.id and first.number == again.number != other.number
    assert first.number.startswith("NW-") and len(first.number) == 12
    with any_runtime.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportRecord)) == 2
        assert find_by_number(s, first.number.lower()).id == first.id  # type: ignore[union-attr]


def test_same_link_reported_many_times_is_one_group(any_runtime: Runtime) -> None:
    start = utcnow()
    spellings = [
        "https://www.Dealer.example/x/",
        "dealer.example/x?utm_source=vk",
        "http://dealer.example/x",
    ]
    with any_runtime.db.session() as s:
        for n in range(50):
            submit_report(
                s,
                draft(f"t{n}", pseudonym=f"{n:064d}", text="", links=[spellings[n % 3]]),
                now=start + timedelta(minutes=n),
            )
    with any_runtime.db.session() as s:
        (link,) = s.scalars(select(ReportLinkRecord)).all()
        assert link.url == "https://dealer.example/x"
        assert link.count == 50
        first = link.first_reported_at.replace(tzinfo=None)
        assert first == start.replace(tzinfo=None)
        rec = s.scalar(select(ReportRecord).limit(1))
        assert rec is not None and [lk.url for lk in report_links(s, rec.id)] == [link.url]


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"kind": "weapons"}, "E170"),
        ({"text": "", "links": []}, "E171"),
        ({"text": "x" * 4001}, "E178"),
        ({"lat": 95.0, "lon": 10.0}, "E176"),
        ({"lat": 43.0}, "E176"),
    ],
)
def test_bad_reports_are_refused_with_codes(
    runtime: Runtime, kw: dict[str, object], code: str
) -> None:
    with runtime.db.session() as s, pytest.raises(ReportError) as err:
        submit_report(s, draft("bad", **kw))
    assert err.value.code == code


def test_daily_limit_per_pseudonym(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        for n in range(3):
            submit_report(s, draft(f"d{n}"), daily_limit=3)
        with pytest.raises(ReportError) as err:
            submit_report(s, draft("d4"), daily_limit=3)
        assert err.value.code == "E174"
        submit_report(s, draft("d5", pseudonym="q" * 64), daily_limit=3)  # others unaffected
        assert len(reports_of(s, "p" * 64)) == 3


def test_campaign_gives_the_region(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        upsert_campaign(s, "TRZ-01", region="jambyl")
        rec, _ = submit_report(s, draft("c1", campaign="TRZ-01"))
        assert rec.region == "jambyl"
        with pytest.raises(ReportError):
            upsert_campaign(s, "bad code!", region="jambyl")
        with pytest.raises(ReportError):
            upsert_campaign(s, "OK", region="atlantis")


def test_pseudonyms_are_keyed_and_stable(settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pseudo = Pseudonymizer.from_settings(settings)
    assert pseudo("tg", 501234567) == pseudo("tg", 501234567)
    assert pseudo("tg", 501234567) != pseudo("web", 501234567)
    assert pseudo("tg", 501234567) != Pseudonymizer(b"another key")("tg", 501234567)
    assert "501234567" not in pseudo("tg", 501234567) and len(pseudo("tg", 1)) == 64
    generated = settings.model_copy(update={"pseudonym_key": "", "data_dir": tmp_path / "d"})
    key = load_key(generated)
    assert key == load_key(generated) and len(key) == 64
    assert (tmp_path / "d" / "pseudonym.key").stat().st_mode & 0o077 == 0

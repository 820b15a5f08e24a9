"""Re-checks against a local site, mirror detection, outcome figures and the job runner."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from narcowatch.cases import blocking
from narcowatch.cases.cases import case_links, create_case, get_case
from narcowatch.cases.custody import verify_custody
from narcowatch.cases.jobs import enqueue, run_due_jobs
from narcowatch.cases.mirrors import flag_mirrors
from narcowatch.cases.rechecks import run_rechecks
from narcowatch.cases.stats import block_report
from narcowatch.runtime import Runtime
from narcowatch.store.tables import EvidenceRecord, JobRecord
from tests.cases.factories import make_item, make_shop


def _blocked_request(rt: Runtime, addresses: list[str]) -> tuple[str, str]:
    with rt.db.session() as s:
        case = create_case(s, title="Snow", actor="a1")
        targets = [
            blocking.make_target(
                a,
                kind="url",
                detected_at=datetime(2026, 10, 1, tzinfo=UTC),
                category="drug_sale",
                legal_ground="cc_299_1",
            )
            for a in addresses
        ]
        req = blocking.create_request(s, rt.settings, targets, "a1", case.id)
        blocking.set_request_status(s, rt.settings, req.id, "sent", "s1")
        blocking.set_request_status(s, rt.settings, req.id, "blocked", "s1")
        return req.id, case.id


def test_rechecks_follow_a_target_down_up_and_down(case_runtime: Runtime, site) -> None:
    rt = case_runtime
    shop_url, refused = site.url("/shop"), "http://10.0.0.5/shop"
    req_id, case_id = _blocked_request(rt, [shop_url, refused])
    page = site.pages.pop("/shop")
    assert run_rechecks(rt) == {
        "checked": 2,
        "still_blocked": 2,
        "reappeared": 0,
        "blocked_again": 0,
    }
    site.pages["/shop"] = page
    assert run_rechecks(rt)["reappeared"] == 1
    with rt.db.session() as s:
        req = blocking.get_request(s, req_id)
        by_target = {t["target"]: t for t in req.targets}
        assert by_target[shop_url]["state"] == "reappeared"
        assert by_target[refused]["state"] == "blocked"
        ev = s.get(EvidenceRecord, by_target[shop_url]["last_evidence"])
        run = json.loads(rt.blobs.get(ev.artefacts["recheck.json"]["blob"]))
        assert run["request_id"] == req_id and len(run["results"]) == 2
        results = {r["target"]: r for r in run["results"]}
        result = results[shop_url]
        assert result["status"] == 200 and result["reachable"] and result["dns"] == ["127.0.0.1"]
        assert result["content_sha256"] and ev.case_id == case_id
        assert verify_custody(s, ev.id) == []
        assert by_target[refused]["last_evidence"] == ev.id
        refused_res = results[refused]
        assert refused_res["error"].startswith("E950") and not refused_res["reachable"]
        assert "reappeared" in get_case(s, case_id).notes[-1]["text"]
    del site.pages["/shop"]
    assert run_rechecks(rt)["blocked_again"] == 1
    with rt.db.session() as s:
        n = s.scalar(select(EvidenceRecord.id).where(EvidenceRecord.status == "recheck").limit(1))
        assert n is not None
        report = block_report(s)
    assert report["blocked_targets"] == 2 and report["reappeared_targets"] == 1
    assert report["reappearance_rate"] == 0.5 and report["currently_reappeared"] == 0
    assert report["time_to_block_from_detection_days"]["n"] == 2
    assert report["time_to_block_from_request_days"]["median"] < 0.01


def test_mirrors_are_flagged_once(runtime: Runtime) -> None:
    rt = runtime
    with rt.db.session() as s:
        old = make_item(
            s,
            "old",
            url="https://t.me/snow_shop/1",
            indicators=[("phone", "+77011112233"), ("telegram", "snow_shop")],
        )
        make_item(
            s,
            "new",
            url="https://t.me/snow_new/5",
            indicators=[("phone", "+77011112233"), ("telegram", "snow_new")],
        )
        make_item(
            s,
            "other",
            url="https://t.me/other/1",
            indicators=[("phone", "+77019998877"), ("telegram", "other_shop")],
        )
        shop = make_shop(s, "Snow", [old])
        case = create_case(s, title="Snow", actor="a1")
        from narcowatch.cases.cases import attach

        attach(s, case.id, "shop", shop.id, "a1")
        targets = blocking.targets_from_shops(s, [shop.id], "drug_sale", "cc_299_1")
        req = blocking.create_request(s, rt.settings, targets, "a1", case.id)
        blocking.set_request_status(s, rt.settings, req.id, "sent", "s1")
        blocking.set_request_status(s, rt.settings, req.id, "blocked", "s1")
        case_id = case.id
    with rt.db.session() as s:
        found = flag_mirrors(s)
        assert [m.address for m in found] == ["t.me/snow_new"]
        assert found[0].shared == ("phone:+77011112233",)
        assert flag_mirrors(s) == []
        mirror_links = case_links(s, case_id, "mirror")
        assert len(mirror_links) == 1
        from narcowatch.cases.cases import link_labels

        assert link_labels(s, mirror_links) == {mirror_links[0].id: "telegram: snow_new"}
        assert "t.me/snow_new" in get_case(s, case_id).notes[-1]["text"]


def test_job_runner_runs_reschedules_and_retries(any_case_runtime: Runtime, site) -> None:
    rt = any_case_runtime
    _blocked_request(rt, [site.url("/shop")])
    with rt.db.session() as s:
        enqueue(s, "cases.recheck", {"every_s": 3600})
        enqueue(s, "cases.capture", {"target": "http://10.1.1.1/", "actor": "a1"})
    results = dict(run_due_jobs(rt))
    assert sorted(results.values()) == ["done", "queued"]
    with rt.db.session() as s:
        jobs = list(s.scalars(select(JobRecord).order_by(JobRecord.created_at)))
        failed = next(j for j in jobs if j.kind == "cases.capture")
        assert failed.attempts == 1 and "E913" in (failed.last_error or "")
        later = [j for j in jobs if j.kind == "cases.recheck" and j.status == "queued"]
        assert len(later) == 1
    assert run_due_jobs(rt) == []
    soon = datetime.now(UTC) + timedelta(hours=2)
    assert len(run_due_jobs(rt, now=soon)) == 2


def test_rechecks_work_from_inside_an_event_loop(case_runtime: Runtime, site) -> None:
    import asyncio

    _blocked_request(case_runtime, [site.url("/shop")])

    async def caller() -> dict[str, int]:
        return run_rechecks(case_runtime)

    assert asyncio.run(caller())["reappeared"] == 1

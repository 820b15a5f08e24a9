"""Case workflow on SQLite and PostgreSQL: create, attach, assign, move, note, audit."""

from __future__ import annotations

import pytest

from narcowatch.cases import cases as case_ops
from narcowatch.cases.custody import append_custody, custody_entries, verify_custody
from narcowatch.errors import CaseError
from narcowatch.runtime import Runtime
from narcowatch.security import audit as audit_log
from narcowatch.store.tables import AuditRecord, CustodyRecord, EvidenceRecord
from tests.cases.factories import make_item, make_shop


def test_case_lifecycle_is_audited(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        item = make_item(s, "p1", url="https://t.me/shop/1", indicators=[("phone", "+77011234567")])
        case = case_ops.create_case(s, title="Магазин «Снег»", actor="analyst1")
        assert case_ops.attach(s, case.id, "item", item.id, "analyst1") is True
        assert case_ops.attach(s, case.id, "item", item.id, "analyst1") is False  # idempotent
        case_ops.attach(s, case.id, "trace", "TXyz-wallet", "analyst1")
        case_ops.assign(s, case.id, "analyst2", "supervisor1")
        case_ops.add_note(s, case.id, "Проверить связь с @other", "analyst2")
        for state in ("evidence_collected", "request_sent", "blocked", "closed"):
            case_ops.set_status(s, case.id, state, "analyst2")
        case_id = case.id
    with any_runtime.db.session() as s:
        case = case_ops.get_case(s, case_id)
        assert case.status == "closed" and case.assignee == "analyst2"
        assert [h.get("to") for h in case.history if h["action"] == "status"] == [
            "evidence_collected", "request_sent", "blocked", "closed",
        ]  # fmt: skip
        assert case.notes[0]["author"] == "analyst2"
        links = {(lk.ref_type, lk.ref_id) for lk in case_ops.case_links(s, case_id)}
        assert links == {("item", item.id), ("trace", "TXyz-wallet")}
        actions = [a.action for a in s.query(AuditRecord).order_by(AuditRecord.seq)]
        assert actions[:5] == [
            "case.create", "case.attach", "case.attach", "case.assign", "case.note",
        ]  # fmt: skip
        assert actions.count("case.status") == 4
        assert audit_log.verify(s) == []
        assert [c.id for c in case_ops.list_cases(s, status="closed")] == [case_id]


@pytest.mark.parametrize(
    ("moves", "code"),
    [(["blocked"], "E902"), (["evidence_collected", "open", "request_sent"], "E902"),
     (["nonsense"], "E902")],
)  # fmt: skip
def test_invalid_transitions_are_refused(runtime: Runtime, moves: list[str], code: str) -> None:
    with runtime.db.session() as s:
        case = case_ops.create_case(s, title="t", actor="a")
        with pytest.raises(CaseError) as err:
            for state in moves:
                case_ops.set_status(s, case.id, state, "a")
        assert err.value.code == code


def test_bad_refs_are_refused_and_nothing_is_lost(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        case = case_ops.create_case(s, title="t", actor="a")
        case_id = case.id
    with pytest.raises(CaseError) as err, runtime.db.session() as s:
        case_ops.attach(s, case_id, "item", "missing", "a")
    assert err.value.code == "E904"
    with pytest.raises(CaseError) as err2, runtime.db.session() as s:
        case_ops.attach(s, case_id, "planet", "x", "a")
    assert err2.value.code == "E903"
    with pytest.raises(CaseError), runtime.db.session() as s:
        case_ops.add_note(s, case_id, "   ", "a")
    with runtime.db.session() as s:
        assert case_ops.get_case(s, case_id).title == "t"


def test_case_from_shop_and_detections(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        a = make_item(s, "a", url="https://t.me/snow/1", indicators=[("card", "4400430012345678")])
        b = make_item(s, "b", url="https://t.me/snow/2", indicators=[("telegram", "snow_bot")])
        shop = make_shop(s, "Snow", [a, b])
        case = case_ops.case_from_shop(s, shop.id, "analyst1")
        again = case_ops.case_from_shop(s, shop.id, "analyst1")
        assert again.id == case.id
        kinds = sorted(lk.ref_type for lk in case_ops.case_links(s, case.id))
        assert kinds == ["indicator", "indicator", "item", "item", "shop"]
        det_case = case_ops.case_from_detections(s, [_det_id(a.id)], "analyst1")
        det_kinds = sorted(lk.ref_type for lk in case_ops.case_links(s, det_case.id))
        assert det_kinds == ["detection", "indicator", "item"]
        item_case = case_ops.case_from_items(s, [a.id, b.id], "analyst1")
        item_kinds = sorted(lk.ref_type for lk in case_ops.case_links(s, item_case.id))
        assert item_kinds == ["indicator", "indicator", "item", "item"]
        assert case_ops.case_from_items(s, [b.id, a.id], "analyst1").id == item_case.id


def _det_id(item_id: str) -> str:
    from narcowatch.ids import make_id

    return make_id("det", item_id)


def test_custody_chain_detects_edits_in_the_database(any_runtime: Runtime) -> None:
    with any_runtime.db.session() as s:
        s.add(EvidenceRecord(id="ev1", target="https://x.kz/", status="captured", artefacts={}))
        s.flush()
        append_custody(s, "ev1", "captured", "analyst1", {"manifest_sha256": "ab" * 32})
        append_custody(s, "ev1", "viewed", "analyst2")
        append_custody(s, "ev1", "exported", "supervisor1", {"package": "p1"})
    with any_runtime.db.session() as s:
        assert verify_custody(s, "ev1") == []
        assert [e["seq"] for e in custody_entries(s, "ev1")] == [1, 2, 3]
        row = s.query(CustodyRecord).filter_by(evidence_id="ev1", seq=2).one()
        row.actor = "intruder"
    with any_runtime.db.session() as s:
        problems = verify_custody(s, "ev1")
        assert problems == ["custody entry 2 (viewed, " + problems[0].split("(viewed, ")[1]]
        assert "modified" in problems[0]
        s.query(CustodyRecord).filter_by(evidence_id="ev1", seq=2).delete()
    with any_runtime.db.session() as s:
        problems = verify_custody(s, "ev1")
        assert any("expected entry 2" in p for p in problems)
    with pytest.raises(CaseError), any_runtime.db.session() as s:
        append_custody(s, "ev1", "teleported", "a")

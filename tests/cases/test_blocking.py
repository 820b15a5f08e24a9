"""Blocking requests: targets from items and shops, exports, statuses, deadlines, audit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from narcowatch.cases import blocking
from narcowatch.cases.cases import create_case, get_case
from narcowatch.cases.letter import export_csv, export_letter_pdf, export_xlsx, template_path
from narcowatch.errors import CaseError
from narcowatch.runtime import Runtime
from narcowatch.store.tables import AuditRecord, EvidenceRecord
from tests.cases.factories import make_item, make_shop


def _targets(s, rt: Runtime):
    a = make_item(s, "a", url="https://t.me/snow_shop/10", indicators=[("phone", "+77011112233")])
    b = make_item(s, "b", url="https://snow-kz.shop/", indicators=[("telegram", "snow_op")])
    c = make_item(s, "c", indicators=[("domain", "snow-mirror.kz"), ("card", "4400000000000001")])
    shop = make_shop(s, "Snow", [b, c])
    s.add(EvidenceRecord(id="ev-a", target="https://t.me/snow_shop/10", status="captured"))
    s.flush()
    from_items = blocking.targets_from_items(s, [a.id], "drug_sale", "cc_299_1")
    from_shop = blocking.targets_from_shops(s, [shop.id], "drug_propaganda", "mass_media")
    return from_items + from_shop


def test_request_lifecycle_exports_and_case(any_runtime: Runtime) -> None:
    rt = any_runtime
    with rt.db.session() as s:
        case = create_case(s, title="Snow", actor="analyst1")
        targets = _targets(s, rt)
        assert [t["target"] for t in targets] == [
            "https://t.me/snow_shop/10", "snow-mirror.kz", "t.me/snow_op",
        ]  # fmt: skip
        assert targets[0]["evidence"] == ["ev-a"] and targets[0]["detected_at"] == "2026-10-02"
        req = blocking.create_request(s, rt.settings, targets + targets[:1], "analyst1", case.id)
        assert len(req.targets) == 3 and req.status == "draft"
        req_id, case_id = req.id, case.id

    with rt.db.session() as s:
        req = blocking.get_request(s, req_id)
        sheet = load_workbook(io.BytesIO(export_xlsx(req, rt.settings))).active
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        assert values[0][1] == "Адрес / аккаунт"
        assert values[1][1] == "https://t.me/snow_shop/10" and "299-1" in values[1][3]
        assert values[1][5] == "ev-a"
        rows = list(csv.reader(io.StringIO(export_csv(req, rt.settings, "kk").decode("utf-8-sig"))))
        assert rows[0][1] == "Мекенжай / аккаунт" and rows[3][1] == "t.me/snow_op"
        assert "насихаттау" in rows[3][2]
        pdf = export_letter_pdf(req, rt.settings, "ru")
        assert pdf.startswith(b"%PDF") and len(pdf) > 5000

        blocking.set_request_status(s, rt.settings, req_id, "sent", "supervisor1")
        assert get_case(s, case_id).status == "request_sent"
        assert req.deadline is not None
    with rt.db.session() as s:
        later = datetime.now(UTC) + timedelta(days=rt.settings.block_deadline_days + 1)
        assert [r.id for r in blocking.overdue_requests(s, later)] == [req_id]
        assert blocking.overdue_requests(s) == []
        blocking.set_request_status(s, rt.settings, req_id, "acknowledged", "supervisor1")
        req = blocking.set_request_status(s, rt.settings, req_id, "blocked", "supervisor1", "№5")
        assert get_case(s, case_id).status == "blocked"
        assert all(t["state"] == "blocked" and t["blocked_at"] for t in req.targets)
        assert blocking.overdue_requests(s, later) == []
        with pytest.raises(CaseError) as err:
            blocking.set_request_status(s, rt.settings, req_id, "sent", "x")
        assert err.value.code == "E944"
        actions = [a.action for a in s.query(AuditRecord).order_by(AuditRecord.seq)]
        assert actions.count("blocking.status") == 3 and "blocking.create" in actions


def test_unknown_ground_or_empty_request_is_refused(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        with pytest.raises(CaseError) as err:
            blocking.create_request(
                s, runtime.settings,
                [blocking.make_target("x.kz", kind="domain", detected_at=None,
                                      category="drug_sale", legal_ground="art_0")],
                "a",
            )  # fmt: skip
        assert err.value.code == "E941"
        with pytest.raises(CaseError) as err2:
            blocking.create_request(s, runtime.settings, [], "a")
        assert err2.value.code == "E942"


def test_operator_edited_template_is_used(tmp_path: Path, runtime: Runtime) -> None:
    data = yaml.safe_load(template_path(runtime.settings).read_text(encoding="utf-8"))
    data["legal_grounds"]["local_order"] = {
        "ru": "Приказ № 77",
        "kk": "№ 77 бұйрық",
        "en": "Order 77",
    }
    data["letter"]["ru"]["title"] = "Письмо {{ number }} для {{ regulator }}"
    edited = tmp_path / "letter.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    runtime.settings.blocking_template = str(edited)
    with runtime.db.session() as s:
        tgt = blocking.make_target("x.kz", kind="domain", detected_at=None,
                                   category="drug_sale", legal_ground="local_order")  # fmt: skip
        req = blocking.create_request(s, runtime.settings, [tgt], "a")
        rows = export_csv(req, runtime.settings).decode("utf-8-sig")
        assert "Приказ № 77" in rows
        assert export_letter_pdf(req, runtime.settings).startswith(b"%PDF")
        data["letter"]["ru"]["title"] = "{{ undefined_thing }}"
        edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with pytest.raises(CaseError) as err:
            export_letter_pdf(req, runtime.settings)
        assert err.value.code == "E946"

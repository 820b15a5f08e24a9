"""Saved runs and the case-file report (HTML and PDF), through the CLI and the library."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from narcowatch.store.tables import CaseLinkRecord, CaseRecord
from narcowatch.trace.duckdb_backend import DuckDBBackend
from narcowatch.trace.engine import run_trace
from narcowatch.trace.plan import TracePlan
from narcowatch.trace.report import render_html, report_context, write_report
from narcowatch.trace.runs import list_runs, load_run, save_run
from tests.trace.conftest import addr


def test_saved_run_report_html_and_pdf(runtime, small_store, small_tags, tmp_path: Path) -> None:
    backend = DuckDBBackend(small_store)
    result = run_trace(
        TracePlan(chain="tron", seeds=(addr("S"),), model="haircut"), backend, small_tags
    )
    backend.close()
    with runtime.db.session() as s:
        s.add(CaseRecord(id="case1", title="Магазин «Кайф» — дело 17", created_by="alice"))
    rec = save_run(runtime, result, actor="alice", case_id="case1")
    with runtime.db.session() as s:
        link = s.scalars(select(CaseLinkRecord).where(CaseLinkRecord.case_id == "case1")).one()
    assert (link.ref_type, link.ref_id) == ("trace", rec.id)
    assert [r.id for r in list_runs(runtime)] == [rec.id]
    loaded, data = load_run(runtime, rec.id)
    assert data["cashouts"] == result.to_dict()["cashouts"] and loaded.total_to_cashout == 100.0
    case = {"id": "case1", "title": "Магазин «Кайф» — дело 17"}
    html = render_html(report_context(rec.id, data, lang="ru", case=case))
    assert "Отчёт об отслеживании средств" in html and "Кайф" in html
    assert addr("X") in html and "Exchange X (exchange, test, 100)" in html
    assert "haircut" in html and ">100<" in html
    kk = render_html(report_context(rec.id, data, lang="kk"))
    assert "Шығару нүктелері" in kk
    pdf = write_report(tmp_path / "r.pdf", rec.id, data, lang="ru", case=case).read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    assert b"DejaVuSans" in pdf  # the Cyrillic-capable font is embedded


def test_html_escapes_hostile_labels(small_store, tmp_path: Path) -> None:
    from narcowatch.trace.tags import Tag, TagIndex

    tags = TagIndex({addr("X"): [Tag("<script>alert(1)</script>", "exchange", "x", 50)]})
    backend = DuckDBBackend(small_store)
    result = run_trace(TracePlan(chain="tron", seeds=(addr("S"),)), backend, tags)
    backend.close()
    html = write_report(tmp_path / "r.html", "run", result.to_dict(), lang="en").read_text("utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;" in html

"""Saved trace runs: the plan and headline figures in SQL, the full result in the blob store.

A run can be attached to a case (a ``case_links`` row of type ``trace``), and every save
is written to the audit log, so a report in a case file can say exactly what was run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from narcowatch.errors import TraceError
from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.security import audit
from narcowatch.store.tables import CaseLinkRecord, CaseRecord
from narcowatch.store.tables_trace import TraceRunRecord
from narcowatch.trace.result import TraceResult


def save_run(
    rt: Runtime, result: TraceResult, *, actor: str, case_id: str | None = None
) -> TraceRunRecord:
    data = result.to_dict()
    data["saved_at"] = datetime.now(UTC).isoformat()
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    sha = rt.blobs.put(blob)
    run_id = make_id("trace-run", sha)
    with rt.db.session() as s:
        if case_id and s.get(CaseRecord, case_id) is None:
            raise TraceError(f"case {case_id} does not exist", code="E835")
        rec = s.get(TraceRunRecord, run_id) or TraceRunRecord(id=run_id)
        rec.chain, rec.direction, rec.model = (
            result.plan.chain,
            result.plan.direction,
            result.plan.model,
        )
        rec.backend, rec.seeds, rec.plan = (
            result.backend,
            list(result.plan.seeds),
            result.plan.to_dict(),
        )
        rec.summary, rec.result_sha256 = result.summary(), sha
        rec.total_to_cashout = float(Decimal(result.totals.get("to_cashouts", "0")))
        rec.case_id, rec.created_by = case_id, actor
        s.merge(rec)
        if case_id:
            s.merge(
                CaseLinkRecord(
                    id=make_id("case-link", case_id, "trace", run_id),
                    case_id=case_id,
                    ref_type="trace",
                    ref_id=run_id,
                    added_by=actor,
                )
            )
        audit.record(
            s,
            actor=actor,
            action="trace.run",
            target_type="trace_run",
            target_id=run_id,
            details={
                "seeds": list(result.plan.seeds),
                "model": result.plan.model,
                "case": case_id,
                "summary": result.summary(),
            },
        )
    return rec


def load_run(rt: Runtime, run_id: str) -> tuple[TraceRunRecord, dict[str, Any]]:
    with rt.db.session() as s:
        rec = s.get(TraceRunRecord, run_id)
    if rec is None:
        raise TraceError(f"no saved trace run {run_id}", code="E836")
    return rec, json.loads(rt.blobs.get(rec.result_sha256).decode("utf-8"))


def list_runs(rt: Runtime, limit: int = 50) -> list[TraceRunRecord]:
    with rt.db.session() as s:
        return list(
            s.scalars(
                select(TraceRunRecord).order_by(TraceRunRecord.created_at.desc()).limit(limit)
            )
        )

"""Prometheus metrics of monitoring and the pipeline, read from the database at scrape time.

A custom collector (prometheus-client) turns the stored state into metric families, so
every worker process and the web server report the same numbers without shared memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from narcowatch.runtime import Runtime
from narcowatch.store.tables import JobRecord, SourceRecord, StageCounterRecord
from narcowatch.store.tables_monitoring import CandidateSourceRecord

HEALTHS = ("new", "ok", "degraded", "error")


class StoreCollector(Collector):
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[Metric]:
        items = CounterMetricFamily(
            "narcowatch_source_items", "New items found per source", labels=["source", "kind"]
        )
        health = GaugeMetricFamily(
            "narcowatch_source_health",
            "1 for the source's current health",
            labels=["source", "kind", "health"],
        )
        success = GaugeMetricFamily(
            "narcowatch_source_last_success_seconds",
            "Unix time of the last good crawl",
            labels=["source", "kind"],
        )
        problems = CounterMetricFamily(
            "narcowatch_source_problems",
            "Page-level crawl problems per source",
            labels=["source", "problem"],
        )
        jobs = GaugeMetricFamily(
            "narcowatch_jobs", "Jobs per kind and status", labels=["kind", "status"]
        )
        stages = CounterMetricFamily(
            "narcowatch_stage_events", "Pipeline stage counters", labels=["stage", "key"]
        )
        cands = GaugeMetricFamily(
            "narcowatch_candidates", "Candidate sources per status", labels=["status"]
        )
        with self.rt.db.session() as session:
            for src in session.scalars(select(SourceRecord)):
                label = src.name[:100]
                items.add_metric([label, src.kind], src.items_found)
                for h in HEALTHS:
                    health.add_metric([label, src.kind, h], 1.0 if src.health == h else 0.0)
                if src.last_success is not None:
                    success.add_metric([label, src.kind], src.last_success.timestamp())
                for key, n in ((src.cursor or {}).get("health") or {}).items():
                    if isinstance(n, int):
                        problems.add_metric([label, key], n)
            for kind, status, n in session.execute(
                select(JobRecord.kind, JobRecord.status, func.count()).group_by(
                    JobRecord.kind, JobRecord.status
                )
            ):
                jobs.add_metric([kind, status], n)
            for row in session.scalars(select(StageCounterRecord)):
                stages.add_metric([row.stage, row.key], row.value)
            for status, n in session.execute(
                select(CandidateSourceRecord.status, func.count()).group_by(
                    CandidateSourceRecord.status
                )
            ):
                cands.add_metric([status], n)
        yield from (items, health, success, problems, jobs, stages, cands)


def render_metrics(rt: Runtime) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(rt))
    return generate_latest(registry)

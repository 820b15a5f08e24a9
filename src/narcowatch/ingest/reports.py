"""Citizen reports into the pipeline: stored reports become items, then go through it.

A reported link is one item however often it was reported (``link:<url>``, its meta
carries the count and the first-reported time); a photo, place or description is an item
of its own (``report:<id>``). The citizen's report is itself a signal, so every report
item reaches the analyst queue, with a priority from its kind, how many people reported
it, the indicators found in it and the classifier's score.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from narcowatch.errors import NarcowatchError
from narcowatch.ids import make_id
from narcowatch.ingest.base import IncomingItem
from narcowatch.pipeline.context import ItemContext, Stage
from narcowatch.pipeline.intake import ingest_source, item_id, source_id
from narcowatch.pipeline.runner import Runner
from narcowatch.pipeline.stages import default_stages
from narcowatch.reports.kinds import KIND_PRIORITY
from narcowatch.runtime import Runtime
from narcowatch.store.blobs import BlobStore
from narcowatch.store.tables import DetectionRecord, ItemRecord, ReportRecord
from narcowatch.store.tables_reports import ReportLinkRecord, ReportLinkRefRecord

log = logging.getLogger(__name__)

SOURCE_KIND = "citizen_report"
SOURCE_NAME = "citizen-reports"
CLASSIFIER = "citizen-report.v1"
TEXTS_PER_LINK = 5


@dataclass
class ReportSource:
    """The items of one round of reports (a ``Source`` for ``ingest_source``)."""

    items: list[IncomingItem]
    kind: str = SOURCE_KIND
    name: str = SOURCE_NAME
    url: str | None = None

    def iter_items(self) -> Iterator[IncomingItem]:
        return iter(self.items)


def _raw(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def _photo_text(blobs: BlobStore, photos: list[Any]) -> tuple[str, list[str]]:
    """What the report's photos say (OCR and QR codes), for extraction and classification."""
    from narcowatch.extract.ocr import ocr_image  # Tesseract: only when there are photos

    texts, codes = [], []
    for photo in photos:
        try:
            result = ocr_image(blobs.get(photo["sha256"]))
        except NarcowatchError as exc:  # a missing blob or an unreadable image: skip it
            log.warning("no OCR for a report photo: %s", exc)
            continue
        if result.text.strip():
            texts.append(result.text.strip())
        codes.extend(result.qr)
    return "\n".join(texts), codes


def _report_item(report: ReportRecord, blobs: BlobStore) -> IncomingItem:
    ocr_text, qr = _photo_text(blobs, report.blobs) if report.blobs else ("", [])
    text = "\n".join(x for x in (report.text, ocr_text, *qr) if x)
    meta = {
        "report": report.number,
        "kind": report.kind,
        "campaign": report.campaign,
        "region": report.region,
        "lat": report.lat,
        "lon": report.lon,
        "photos": report.blobs,
        "count": 1,
        "first_reported_at": report.created_at.isoformat(),
        "ocr": ocr_text,
        "qr": qr,
    }
    return IncomingItem(
        external_id=f"report:{report.id}",
        text=text,
        raw=_raw({**meta, "text": text}),
        published_at=report.created_at,
        meta=meta,
    )


def _link_item(session: Session, link: ReportLinkRecord) -> IncomingItem:
    reports = session.scalars(
        select(ReportRecord)
        .join(ReportLinkRefRecord, ReportLinkRefRecord.report_id == ReportRecord.id)
        .where(ReportLinkRefRecord.link_id == link.id)
        .order_by(ReportRecord.created_at)
    ).all()
    texts = [r.text for r in reports if r.text][:TEXTS_PER_LINK]
    meta = {
        "kind": "link",
        "url": link.url,
        "count": link.count,
        "first_reported_at": link.first_reported_at.isoformat(),
        "last_reported_at": link.last_reported_at.isoformat(),
        "reports": [r.number for r in reports][:50],
        "campaigns": sorted({r.campaign for r in reports if r.campaign}),
        "regions": sorted({r.region for r in reports if r.region}),
    }
    text = "\n".join([link.url, *texts])
    return IncomingItem(
        external_id=f"link:{link.url}",
        text=text,
        url=link.url,
        raw=_raw({**meta, "text": text}),
        published_at=link.first_reported_at,
        meta=meta,
    )


@dataclass
class ProcessResult:
    reports: int = 0
    items: int = 0
    processed: int = 0
    counters: dict[str, dict[str, int]] = field(default_factory=dict)


def store_report_items(runtime: Runtime, limit: int = 1000) -> ProcessResult:
    """Turn reports not yet in the pipeline into stored items (idempotent)."""
    src_id = source_id(SOURCE_KIND, SOURCE_NAME)
    with runtime.db.session() as session:
        reports = session.scalars(
            select(ReportRecord)
            .where(ReportRecord.item_id.is_(None))
            .order_by(ReportRecord.created_at)
            .limit(limit)
        ).all()
        if not reports:
            return ProcessResult()
        items: dict[str, IncomingItem] = {}
        report_item: dict[str, str] = {}
        for report in reports:
            links = session.scalars(
                select(ReportLinkRecord)
                .join(ReportLinkRefRecord, ReportLinkRefRecord.link_id == ReportLinkRecord.id)
                .where(ReportLinkRefRecord.report_id == report.id)
                .order_by(ReportLinkRecord.url)
            ).all()
            for link in links:
                items.setdefault(f"link:{link.url}", _link_item(session, link))
            if report.kind == "link" and links and not report.blobs and report.lat is None:
                report_item[report.id] = item_id(src_id, f"link:{links[0].url}")
            else:
                incoming = _report_item(report, runtime.blobs)
                items[incoming.external_id] = incoming
                report_item[report.id] = item_id(src_id, incoming.external_id)
    ingest_source(runtime.db, runtime.blobs, ReportSource(list(items.values())))
    with runtime.db.session() as session:
        for rid, iid in report_item.items():
            stored = session.get(ReportRecord, rid)
            if stored is not None:
                stored.item_id = iid
        for external_id in items:
            if external_id.startswith("link:"):
                group = session.get(ReportLinkRecord, make_id("report-link", external_id[5:]))
                if group is not None:
                    group.item_id = item_id(src_id, external_id)
    return ProcessResult(reports=len(report_item), items=len(items))


class ReportQueueStage:
    """Every citizen-report item goes to the analyst queue, with a priority."""

    name = "report_queue"

    def process(self, ctx: ItemContext) -> None:
        if ctx.item.source_id != source_id(SOURCE_KIND, SOURCE_NAME):
            return
        meta = ctx.item.meta or {}
        score = ctx.det.score if ctx.det is not None else 0.5
        priority = (
            KIND_PRIORITY.get(str(meta.get("kind")), 10)
            + min(int(meta.get("count", 1)) - 1, 20) * 5
            + min(len(ctx.indicators), 10) * 5
            + round(score * 50)
        )
        did = make_id("detection", ctx.item.id, CLASSIFIER)
        rec = ctx.session.get(DetectionRecord, did)
        if rec is None:
            rec = DetectionRecord(
                id=did,
                item_id=ctx.item.id,
                classifier=CLASSIFIER,
                label=1,
                score=round(score, 6),
                reasons=[],
            )
            ctx.session.add(rec)
        rec.score = round(score, 6)
        rec.reasons = [
            {"reason": "citizen report", "kind": meta.get("kind"), "count": meta.get("count", 1)}
        ]
        rec.queued = True
        rec.priority = priority
        ctx.count(self.name, "queued")


def report_stages() -> list[Stage]:
    return [*default_stages(), ReportQueueStage()]


def process_reports(runtime: Runtime, limit: int = 1000) -> ProcessResult:
    """Store new reports as items, then run the pipeline (with the report queue stage)."""
    result = store_report_items(runtime, limit=limit)
    if result.items:
        run = Runner(runtime.db, runtime.settings, stages=report_stages()).run()
        result.processed, result.counters = run.processed, run.counters
    return result


def report_items_of(session: Session, rid: str) -> list[ItemRecord]:
    report = session.get(ReportRecord, rid)
    if report is None or report.item_id is None:
        return []
    item = session.get(ItemRecord, report.item_id)
    return [item] if item is not None else []

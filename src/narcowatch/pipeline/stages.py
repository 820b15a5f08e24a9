"""The stages after ingest: normalize -> classify -> extract -> link -> queue.

Each stage reads what earlier stages put on the context, writes its own records through
upserts keyed by deterministic ids, and counts what it did. ``process_batch`` does the
same for a whole batch with one lookup query per table instead of one per item.
Normalize, classify and extract also ``prepare``: their pure computation, which the runner
runs before the write transaction, so ``process_batch`` only stores the results.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, update

from narcowatch.classify.base import Detection
from narcowatch.classify.registry import get_classifier
from narcowatch.extract.registry import extract_all
from narcowatch.ids import make_id
from narcowatch.link.incremental import attach_many
from narcowatch.link.shops import attach_item
from narcowatch.normalize.document import Document
from narcowatch.normalize.text import normalize_text
from narcowatch.pipeline.context import ItemContext, Stage
from narcowatch.settings import Settings
from narcowatch.store.indicators import save_indicators_many
from narcowatch.store.tables import DetectionRecord, DocumentRecord
from narcowatch.store.upsert import upsert_rows

_MISSING: Any = object()
DOCUMENTS = cast(Table, DocumentRecord.__table__)
DETECTIONS = cast(Table, DetectionRecord.__table__)
DOCUMENT_COLUMNS = ["text", "folded", "lang", "normalizer"]


def detection_id(item_id: str, classifier: str) -> str:
    return make_id("detection", item_id, classifier)


class NormalizeStage:
    name = "normalize"

    def process(self, ctx: ItemContext) -> None:
        self._save(ctx, normalize_text(ctx.item.text or ""), _MISSING)

    def prepare(self, ctxs: list[ItemContext]) -> None:
        docs = [normalize_text(ctx.item.text or "") for ctx in ctxs]
        for ctx, doc in zip(ctxs, docs, strict=True):
            ctx.doc = doc
            ctx.prepared.add(self.name)

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        self.prepare([ctx for ctx in ctxs if self.name not in ctx.prepared])
        rows = []
        for ctx in ctxs:
            doc = ctx.doc
            assert doc is not None
            rows.append(
                {
                    "id": ctx.item.id,
                    "text": doc.text,
                    "folded": doc.folded,
                    "lang": doc.lang,
                    "normalizer": doc.normalizer,
                }
            )
            self._count(ctx, doc)
        upsert_rows(ctxs[0].session, DOCUMENTS, rows, ["id"], DOCUMENT_COLUMNS)

    def _save(self, ctx: ItemContext, doc: Document, rec: Any) -> None:
        ctx.doc = doc
        if rec is _MISSING:
            rec = ctx.session.get(DocumentRecord, ctx.item.id)
        if rec is None:
            rec = DocumentRecord(id=ctx.item.id)
            ctx.session.add(rec)
        rec.text, rec.folded, rec.lang, rec.normalizer = (
            doc.text,
            doc.folded,
            doc.lang,
            doc.normalizer,
        )
        self._count(ctx, doc)

    def _count(self, ctx: ItemContext, doc: Document) -> None:
        ctx.count(self.name, "items")
        ctx.count(self.name, f"lang:{doc.lang}")


class ClassifyStage:
    name = "classify"

    def process(self, ctx: ItemContext) -> None:
        if ctx.doc is None:
            return
        det = get_classifier(ctx.settings.classifier, ctx.settings.data_dir).classify(ctx.doc)
        self._save(ctx, det, _MISSING)

    def prepare(self, ctxs: list[ItemContext]) -> None:
        todo = [ctx for ctx in ctxs if ctx.doc is not None]
        if not todo:
            return
        settings = todo[0].settings
        classifier = get_classifier(settings.classifier, settings.data_dir)
        dets = classifier.classify_many([ctx.doc for ctx in todo if ctx.doc is not None])
        for ctx, det in zip(todo, dets, strict=True):
            ctx.det = det
            ctx.prepared.add(self.name)

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        """One upsert for the batch: a re-classified item keeps its review (status,
        reviewer, queue) and gets the new label, score and reasons."""
        self.prepare([ctx for ctx in ctxs if self.name not in ctx.prepared])
        rows = []
        for ctx in ctxs:
            det = ctx.det
            if ctx.doc is None or det is None:
                continue
            rows.append(
                {
                    "id": detection_id(ctx.item.id, det.classifier),
                    "item_id": ctx.item.id,
                    "classifier": det.classifier,
                    **self._verdict(det),
                }
            )
            self._count(ctx, det)
        if rows:
            upsert_rows(ctxs[0].session, DETECTIONS, rows, ["id"], ["label", "score", "reasons"])

    def _save(self, ctx: ItemContext, det: Detection, rec: Any) -> None:
        ctx.det = det
        did = detection_id(ctx.item.id, det.classifier)
        if rec is _MISSING:
            rec = ctx.session.get(DetectionRecord, did)
        if rec is None:
            rec = DetectionRecord(id=did, item_id=ctx.item.id, classifier=det.classifier)
            ctx.session.add(rec)
        for name, value in self._verdict(det).items():
            setattr(rec, name, value)
        ctx.det_row = rec
        self._count(ctx, det)

    @staticmethod
    def _verdict(det: Detection) -> dict[str, Any]:
        return {
            "label": det.label,
            "score": round(det.score, 6),
            "reasons": [r.to_dict() for r in det.reasons],
        }

    def _count(self, ctx: ItemContext, det: Detection) -> None:
        ctx.count(self.name, "items")
        ctx.count(self.name, "positives", det.label)


class ExtractStage:
    name = "extract"

    def process(self, ctx: ItemContext) -> None:
        self.process_batch([ctx])

    def prepare(self, ctxs: list[ItemContext]) -> None:
        found = [extract_all(ctx.item.text or "") for ctx in ctxs]
        for ctx, indicators in zip(ctxs, found, strict=True):
            ctx.indicators = indicators
            ctx.prepared.add(self.name)

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        self.prepare([ctx for ctx in ctxs if self.name not in ctx.prepared])
        save_indicators_many(ctxs[0].session, [(ctx.item, ctx.indicators) for ctx in ctxs])
        for ctx in ctxs:
            ctx.count(self.name, "items")
            for ind in ctx.indicators:
                ctx.count(self.name, f"indicators:{ind.type}")


class LinkStage:
    name = "link"

    def process(self, ctx: ItemContext) -> None:
        if ctx.det is None or ctx.det.label != 1:
            return
        ctx.shop_id = attach_item(ctx.session, ctx.item, ctx.indicators)
        ctx.count(self.name, "items")
        if ctx.shop_id:
            ctx.count(self.name, "linked")

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        positives = [ctx for ctx in ctxs if ctx.det is not None and ctx.det.label == 1]
        if not positives:
            return
        shops = attach_many(positives[0].session, [(c.item, c.indicators) for c in positives])
        for ctx, shop_id in zip(positives, shops, strict=True):
            ctx.shop_id = shop_id
            ctx.count(self.name, "items")
            if shop_id:
                ctx.count(self.name, "linked")


class QueueStage:
    """Put detections at or above the review threshold into the analyst queue."""

    name = "queue"

    def process(self, ctx: ItemContext) -> None:
        if ctx.det is None:
            return
        rec = ctx.det_row
        if rec is None:
            rec = ctx.session.get(DetectionRecord, detection_id(ctx.item.id, ctx.det.classifier))
        if rec is None:
            return
        rec.queued, rec.priority = self._place(ctx, *self._thresholds(ctx))

    def _place(self, ctx: ItemContext, review: float, escalate: float | None) -> tuple[bool, int]:
        """(queued, priority) of the item's detection, counted."""
        assert ctx.det is not None
        score = ctx.det.score
        queued = score >= review
        # More indicators to act on (handles, phones, cards) means more urgent; a score in the
        # classifier's high-precision band (auto-escalate) goes to the top of the queue.
        priority = round(score * 100) + min(len(ctx.indicators), 10) * 5
        if escalate is not None and score >= escalate:
            priority += 100
            ctx.count(self.name, "escalated")
        ctx.count(self.name, "queued", int(queued))
        return queued, priority

    @staticmethod
    def _thresholds(ctx: ItemContext) -> tuple[float, float | None]:
        own = getattr(
            get_classifier(ctx.settings.classifier, ctx.settings.data_dir), "thresholds", {}
        )
        review = ctx.settings.review_threshold
        if review is None:
            review = float(own.get("review", 0.5))
        escalate = own.get("escalate")
        return review, None if escalate is None else float(escalate)

    def process_batch(self, ctxs: list[ItemContext]) -> None:
        """One executemany UPDATE for the batch (the detections are stored by classify)."""
        todo = [ctx for ctx in ctxs if ctx.det is not None]
        if not todo:
            return
        thresholds = self._thresholds(todo[0])
        rows = []
        for ctx in todo:
            assert ctx.det is not None
            queued, priority = self._place(ctx, *thresholds)
            did = detection_id(ctx.item.id, ctx.det.classifier)
            rows.append({"did": did, "queued": queued, "priority": priority})
        ctxs[0].session.execute(
            update(DETECTIONS).where(DETECTIONS.c.id == bindparam("did")),
            rows,
        )


def default_stages(settings: Settings | None = None) -> list[Stage]:
    """The standard stages; OCR of attached pictures first when the settings ask for it."""
    stages: list[Stage] = [
        NormalizeStage(),
        ClassifyStage(),
        ExtractStage(),
        LinkStage(),
        QueueStage(),
    ]
    if settings is not None and settings.ocr_images:
        from narcowatch.pipeline.ocr_stage import OcrStage

        stages.insert(0, OcrStage())
    return stages

"""The stages after ingest: normalize -> classify -> extract -> link -> queue.

Each stage reads what earlier stages put on the context, writes its own records through
upserts keyed by deterministic ids, and counts what it did. ``process_batch`` does the
same for a whole batch with one lookup query per table instead of one per item.
Normalize, classify and extract also ``prepare``: their pure computation, which the runner
runs before the write transaction, so ``process_batch`` only stores the results.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

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

_MISSING: Any = object()


def _existing(ctxs: list[ItemContext], model: Any, ids: Iterable[str]) -> dict[str, Any]:
    """Load the rows of ``model`` with these ids in one query."""
    wanted = list(ids)
    if not wanted:
        return {}
    return {
        rec.id: rec for rec in ctxs[0].session.scalars(select(model).where(model.id.in_(wanted)))
    }


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
        known = _existing(ctxs, DocumentRecord, (ctx.item.id for ctx in ctxs))
        for ctx in ctxs:
            assert ctx.doc is not None
            self._save(ctx, ctx.doc, known.get(ctx.item.id))

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
        self.prepare([ctx for ctx in ctxs if self.name not in ctx.prepared])
        todo = [(ctx, ctx.det) for ctx in ctxs if ctx.doc is not None and ctx.det is not None]
        if not todo:
            return
        ids = [detection_id(ctx.item.id, det.classifier) for ctx, det in todo]
        known = _existing([ctx for ctx, _ in todo], DetectionRecord, ids)
        for (ctx, det), did in zip(todo, ids, strict=True):
            self._save(ctx, det, known.get(did))

    def _save(self, ctx: ItemContext, det: Detection, rec: Any) -> None:
        ctx.det = det
        did = detection_id(ctx.item.id, det.classifier)
        if rec is _MISSING:
            rec = ctx.session.get(DetectionRecord, did)
        if rec is None:
            rec = DetectionRecord(id=did, item_id=ctx.item.id, classifier=det.classifier)
            ctx.session.add(rec)
        rec.label, rec.score = det.label, round(det.score, 6)
        rec.reasons = [r.to_dict() for r in det.reasons]
        ctx.det_row = rec
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
        review, escalate = self._thresholds(ctx)
        queued = ctx.det.score >= review
        rec.queued = queued
        # More indicators to act on (handles, phones, cards) means more urgent; a score in the
        # classifier's high-precision band (auto-escalate) goes to the top of the queue.
        rec.priority = round(ctx.det.score * 100) + min(len(ctx.indicators), 10) * 5
        if escalate is not None and ctx.det.score >= escalate:
            rec.priority += 100
            ctx.count(self.name, "escalated")
        ctx.count(self.name, "queued", int(queued))

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
        for ctx in ctxs:
            self.process(ctx)


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

"""Indexes of the review queue (``cases/review.py``) on the detections table.

The queue lists and steps through pending detections in two orders, score first or priority
first, each ending with the id. These covering indexes let the database read a page, and the
neighbours of a detection, in index order instead of sorting the whole queue (20k pending
detections: from about a second to a few milliseconds per request, see bench/web_speed.py).
"""

from __future__ import annotations

from sqlalchemy import Index

from narcowatch.store.tables import DetectionRecord

REVIEW_BY_SCORE = Index(
    "ix_detections_review_score",
    DetectionRecord.queued,
    DetectionRecord.status,
    DetectionRecord.score,
    DetectionRecord.priority,
    DetectionRecord.id,
)
REVIEW_BY_PRIORITY = Index(
    "ix_detections_review_priority",
    DetectionRecord.queued,
    DetectionRecord.status,
    DetectionRecord.priority,
    DetectionRecord.score,
    DetectionRecord.id,
)

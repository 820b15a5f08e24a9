"""review queue indexes on detections (score-first and priority-first orders)

Revision ID: review_0001
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "review_0001"
down_revision = "0001"
branch_labels = ("review",)
depends_on = None

COLUMNS = {
    "ix_detections_review_score": ["queued", "status", "score", "priority", "id"],
    "ix_detections_review_priority": ["queued", "status", "priority", "score", "id"],
}


def upgrade() -> None:
    for name, columns in COLUMNS.items():
        op.create_index(name, "detections", columns, unique=False)


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_index(name, table_name="detections")

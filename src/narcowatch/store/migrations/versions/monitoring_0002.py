"""monitoring: shared per-host politeness slots and persisted website crawl frontiers

Revision ID: monitoring_0002
Revises: monitoring_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0002"
down_revision = "monitoring_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_host_slots",
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("host"),
    )
    op.create_table(
        "monitor_frontier",
        sa.Column("source_id", sa.String(length=32), nullable=False),
        sa.Column("url_hash", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "url_hash"),
    )


def downgrade() -> None:
    op.drop_table("monitor_frontier")
    op.drop_table("monitor_host_slots")

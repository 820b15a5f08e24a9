"""monitoring: per-host concurrency leases shared by every worker

Revision ID: monitoring_0003
Revises: monitoring_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0003"
down_revision = "monitoring_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_host_leases",
        sa.Column("host", sa.String(length=300), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("host", "slot"),
    )


def downgrade() -> None:
    op.drop_table("monitor_host_leases")

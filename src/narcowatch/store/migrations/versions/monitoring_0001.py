"""monitoring: candidate sources and duplicate groups

Revision ID: monitoring_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "monitoring_0001"
down_revision = "0001"
branch_labels = ("monitoring",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitor_candidates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("found_in_item", sa.String(length=32), nullable=False),
        sa.Column("found_in_source", sa.String(length=32), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=32), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_monitor_candidates_status", "monitor_candidates", ["status"], unique=False)
    op.create_table(
        "monitor_dup_groups",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("first_item", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "monitor_dup_members",
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.Column("group_id", sa.String(length=32), nullable=False),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_index(
        "ix_monitor_dup_members_group_id", "monitor_dup_members", ["group_id"], unique=False
    )
    op.create_index(
        "ix_monitor_dup_members_text_hash", "monitor_dup_members", ["text_hash"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_monitor_dup_members_text_hash", table_name="monitor_dup_members")
    op.drop_index("ix_monitor_dup_members_group_id", table_name="monitor_dup_members")
    op.drop_table("monitor_dup_members")
    op.drop_table("monitor_dup_groups")
    op.drop_index("ix_monitor_candidates_status", table_name="monitor_candidates")
    op.drop_table("monitor_candidates")

"""trace: attribution tags and trace runs

Revision ID: trace_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "trace_0001"
down_revision = "0001"
branch_labels = ("trace",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trace_tags",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("chain", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=30), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chain", "address", "label", "source"),
    )
    op.create_index("ix_trace_tags_category", "trace_tags", ["category"], unique=False)
    op.create_index("ix_trace_tags_address", "trace_tags", ["chain", "address"], unique=False)
    op.create_table(
        "trace_runs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("chain", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("model", sa.String(length=10), nullable=False),
        sa.Column("backend", sa.String(length=10), nullable=False),
        sa.Column("seeds", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("result_sha256", sa.String(length=64), nullable=False),
        sa.Column("total_to_cashout", sa.Float(), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_trace_runs_case_id", "trace_runs", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_trace_runs_case_id", table_name="trace_runs")
    op.drop_table("trace_runs")
    op.drop_index("ix_trace_tags_address", table_name="trace_tags")
    op.drop_index("ix_trace_tags_category", table_name="trace_tags")
    op.drop_table("trace_tags")

"""shops tables: analysts' decisions, hub indicators, search documents

The search module adds the FTS5 table (SQLite) or pg_trgm/full-text indexes (PostgreSQL)
at first use: expression indexes do not round-trip through Alembic's model comparison.

Revision ID: shops_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "shops_0001"
down_revision = "0001"
branch_labels = ("shops",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shop_decisions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("a_type", sa.String(length=20), nullable=False),
        sa.Column("a_id", sa.String(length=32), nullable=False),
        sa.Column("b_type", sa.String(length=20), nullable=True),
        sa.Column("b_id", sa.String(length=32), nullable=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shop_decisions_kind", "shop_decisions", ["kind"], unique=False)
    op.create_index("ix_shop_decisions_a_id", "shop_decisions", ["a_id"], unique=False)
    op.create_table(
        "shop_hubs",
        sa.Column("indicator_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("clusters", sa.Integer(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("indicator_id"),
    )
    op.create_table(
        "shop_search",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shop_search_ref_id", "shop_search", ["ref_id"], unique=False)


def downgrade() -> None:
    op.drop_table("shop_search")
    op.drop_table("shop_hubs")
    op.drop_index("ix_shop_decisions_a_id", table_name="shop_decisions")
    op.drop_index("ix_shop_decisions_kind", table_name="shop_decisions")
    op.drop_table("shop_decisions")

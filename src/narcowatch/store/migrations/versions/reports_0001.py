"""citizen-reporting tables: campaigns, bot dialogues, processed updates, link groups, events

Revision ID: reports_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "reports_0001"
down_revision = "0001"
branch_labels = ("reports",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_campaigns",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "bot_dialogues",
        sa.Column("pseudonym", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=5), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym"),
    )
    op.create_table(
        "bot_updates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_bot_updates_created_at", "bot_updates", ["created_at"], unique=False)
    op.create_table(
        "report_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_report_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "report_link_refs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("link_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_link_refs_report_id", "report_link_refs", ["report_id"])
    op.create_index("ix_report_link_refs_link_id", "report_link_refs", ["link_id"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_events_report_id", "report_events", ["report_id"])
    op.create_index("ix_report_events_pending", "report_events", ["notified", "at"])


def downgrade() -> None:
    op.drop_index("ix_report_events_pending", table_name="report_events")
    op.drop_index("ix_report_events_report_id", table_name="report_events")
    op.drop_table("report_events")
    op.drop_index("ix_report_link_refs_link_id", table_name="report_link_refs")
    op.drop_index("ix_report_link_refs_report_id", table_name="report_link_refs")
    op.drop_table("report_link_refs")
    op.drop_table("report_links")
    op.drop_index("ix_bot_updates_created_at", table_name="bot_updates")
    op.drop_table("bot_updates")
    op.drop_table("bot_dialogues")
    op.drop_table("report_campaigns")

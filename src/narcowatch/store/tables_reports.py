"""Tables of the citizen-reporting area (bot dialogues, exactly-once updates, link groups).

Nothing here holds a reporter's Telegram id, username, name or phone: dialogues are keyed
by the HMAC pseudonym, processed updates by the bot-wide update number, and the replies
kept for redelivery hold only the texts and keyboards (the chat comes from the update).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from narcowatch.store.tables import Base, utcnow


class ReportCampaignRecord(Base):
    """A QR poster campaign: the deep-link code, and the region it was posted in."""

    __tablename__ = "report_campaigns"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    region: Mapped[str | None] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BotDialogueRecord(Base):
    """Where a reporter is in the bot dialogue, keyed by pseudonym (survives restarts)."""

    __tablename__ = "bot_dialogues"
    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str | None] = mapped_column(String(5))
    state: Mapped[str] = mapped_column(String(30), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BotUpdateRecord(Base):
    """A processed Telegram update: redelivery after a crash is recognised, not re-applied."""

    __tablename__ = "bot_updates"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    replies: Mapped[list[Any]] = mapped_column(default=list)
    sent: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class ReportLinkRecord(Base):
    """One reported link, however many times it was reported (count, first/last time)."""

    __tablename__ = "report_links"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_report_id: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str | None] = mapped_column(String(32))


class ReportLinkRefRecord(Base):
    """A report mentions a link (so every reporter of a blocked link hears about it)."""

    __tablename__ = "report_link_refs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(32), index=True)
    link_id: Mapped[str] = mapped_column(String(32), index=True)


class ReportEventRecord(Base):
    """A status change of a report; also the queue of templated answers to the reporter."""

    __tablename__ = "report_events"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100), default="system")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    notified: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ix_report_events_pending", ReportEventRecord.notified, ReportEventRecord.at)

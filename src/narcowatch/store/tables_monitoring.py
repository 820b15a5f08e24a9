"""Tables of the monitoring area: candidate sources found by discovery, duplicate groups.

Sources, their cursors and health live in ``sources`` (core); jobs in ``jobs`` (core).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from narcowatch.store.tables import Base, utcnow


class CandidateSourceRecord(Base):
    """A channel, bot or site linked from a positive post; crawled once approved."""

    __tablename__ = "monitor_candidates"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # telegram_web | telegram_bot | web
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    found_in_item: Mapped[str] = mapped_column(String(32))  # provenance: the first post
    found_in_source: Mapped[str] = mapped_column(String(32))
    mentions: Mapped[int] = mapped_column(Integer, default=1)
    source_id: Mapped[str | None] = mapped_column(String(32))  # set once crawled
    decided_by: Mapped[str | None] = mapped_column(String(100))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DuplicateGroupRecord(Base):
    """One ad seen many times: count, first and last seen, the sources it came from."""

    __tablename__ = "monitor_dup_groups"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_item: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer, default=1)
    sources: Mapped[list[Any]] = mapped_column(default=list)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DuplicateMemberRecord(Base):
    """Which group an item belongs to, and whether it matched exactly or nearly."""

    __tablename__ = "monitor_dup_members"
    item_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(32), index=True)
    exact: Mapped[bool] = mapped_column(Boolean, default=True)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)


class HostSlotRecord(Base):
    """When the next request to a host may start: one delay per host for every worker."""

    __tablename__ = "monitor_host_slots"
    host: Mapped[str] = mapped_column(String(300), primary_key=True)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)  # Unix time, seconds


class HostLeaseRecord(Base):
    """A slot of a host's request concurrency, held by one crawl until ``expires_at``."""

    __tablename__ = "monitor_host_leases"
    host: Mapped[str] = mapped_column(String(300), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), default="")
    expires_at: Mapped[float] = mapped_column(Float, default=0.0)  # Unix time, seconds


class FrontierRecord(Base):
    """A URL of a website crawl in progress: queued, or done (its item is stored).

    Written in the same transaction as the pages' items, so a killed crawl resumes from
    here instead of the seeds; deleted when a crawl finishes.
    """

    __tablename__ = "monitor_frontier"
    source_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)

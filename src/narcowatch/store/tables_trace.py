"""Tables of the tracing area: attribution tags and saved trace runs.

Transfers live in Parquet (see ``narcowatch.trace.store``); only the small, edited-by-people
facts live here: who an address belongs to (with source and confidence) and which traces
were run, by whom, with which plan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from narcowatch.store.tables import Base, utcnow


class AddressTagRecord(Base):
    """An attribution of an address: label, category, source and confidence (0-100)."""

    __tablename__ = "trace_tags"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    chain: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40), index=True)
    source: Mapped[str] = mapped_column(String(300))
    confidence: Mapped[int] = mapped_column(Integer, default=50)
    origin: Mapped[str] = mapped_column(String(30), default="analyst")  # tagpack|sanctions|...
    created_by: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    __table_args__ = (UniqueConstraint("chain", "address", "label", "source"),)


class TraceRunRecord(Base):
    """A trace that was run: its plan, headline figures and the full result in the blob store."""

    __tablename__ = "trace_runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    chain: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    model: Mapped[str] = mapped_column(String(10))
    backend: Mapped[str] = mapped_column(String(10))
    seeds: Mapped[list[Any]] = mapped_column(default=list)
    plan: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result_sha256: Mapped[str] = mapped_column(String(64))
    total_to_cashout: Mapped[float] = mapped_column(Float, default=0.0)
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Index("ix_trace_tags_address", AddressTagRecord.chain, AddressTagRecord.address)

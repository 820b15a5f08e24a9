"""Tables of the shops area: analysts' merge/split decisions, hub indicators, search index.

Shop clusters themselves live in the core ``shops``/``shop_members`` tables. Decisions are
stored against items and indicators (never against shop ids, which a recompute may change),
so a full ``shops relink`` replays them and they survive re-runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from narcowatch.store.tables import Base, utcnow


class ShopDecisionRecord(Base):
    """An analyst's decision: ``merge`` (a with b), ``split`` (a never with b), ``hub``
    (indicator a never links) or ``name`` (the shop holding a is called ``value``)."""

    __tablename__ = "shop_decisions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    a_type: Mapped[str] = mapped_column(String(20))  # item | indicator
    a_id: Mapped[str] = mapped_column(String(32), index=True)
    b_type: Mapped[str | None] = mapped_column(String(20))
    b_id: Mapped[str | None] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ShopHubRecord(Base):
    """An indicator that must not link shops (seen across unrelated clusters, or tagged)."""

    __tablename__ = "shop_hubs"
    indicator_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    clusters: Mapped[int] = mapped_column(Integer, default=0)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ShopSearchRecord(Base):
    """One searchable document (an item, an indicator or a shop); SQLite adds an FTS5
    trigram table over it, PostgreSQL a pg_trgm index and Russian full-text."""

    __tablename__ = "shop_search"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # item | indicator | shop
    ref_id: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

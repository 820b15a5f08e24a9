"""Tables of the security area: the audit chain's head (a lock row) and server-side sessions.

The head row serialises appends to the audit log (one writer at a time on both SQLite and
PostgreSQL) and anchors the chain, so that deleting its newest entries is detected too.
Sessions live on the server so that logout and deactivating a user end them at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from narcowatch.store.tables import Base, utcnow

GENESIS_HASH = "0" * 64


class AuditHeadRecord(Base):
    """The newest seq and hash of the audit chain; row ``id=1`` is the append lock."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


class WebSessionRecord(Base):
    """A logged-in browser. ``id`` is the sha256 of the token in the (signed) cookie."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

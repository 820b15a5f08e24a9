"""One search over posts, indicators and shops, on SQLite and PostgreSQL.

Documents live in ``shop_search``. SQLite adds an FTS5 table with the trigram tokenizer
(external content, kept in step by triggers); PostgreSQL uses pg_trgm (``LIKE`` through a
trigram GIN index) together with Russian full-text stemming. Trigrams match inside words,
so Kazakh and Russian endings («закладки», «закладкалар») need no stemmer of their own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, insert, select, text
from sqlalchemy.orm import Session

from narcowatch.errors import StoreError
from narcowatch.ids import make_id
from narcowatch.store.tables import DetectionRecord, IndicatorRecord, ItemRecord, ShopRecord
from narcowatch.store.tables_shops import ShopSearchRecord
from narcowatch.store.upsert import upsert_rows

log = logging.getLogger(__name__)
KINDS = ("item", "indicator", "shop")
MAX_QUERY = 200
CHUNK = 2000
_ready: set[str] = set()
_no_trgm: set[str] = set()


@dataclass(frozen=True)
class Hit:
    kind: str
    ref_id: str
    title: str
    snippet: str
    seen_at: datetime | None


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def ensure_backend(session: Session) -> None:
    """Create the FTS5 table (SQLite) or the trigram/full-text indexes (PostgreSQL)."""
    bind = session.get_bind()
    key = str(bind.engine.url)
    if key in _ready:
        return
    if _dialect(session) == "sqlite":
        exists = session.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'shop_search_fts'")
        ).first()
        if not exists:
            session.execute(
                text(
                    "CREATE VIRTUAL TABLE shop_search_fts USING fts5(title, body, "
                    "content='shop_search', tokenize='trigram')"
                )
            )
            for name, body in (
                (
                    "ai",
                    "INSERT INTO shop_search_fts(rowid, title, body) "
                    "VALUES (new.rowid, new.title, new.body);",
                ),
                (
                    "ad",
                    "INSERT INTO shop_search_fts(shop_search_fts, rowid, title, body) "
                    "VALUES ('delete', old.rowid, old.title, old.body);",
                ),
                (
                    "au",
                    "INSERT INTO shop_search_fts(shop_search_fts, rowid, title, body) "
                    "VALUES ('delete', old.rowid, old.title, old.body); "
                    "INSERT INTO shop_search_fts(rowid, title, body) "
                    "VALUES (new.rowid, new.title, new.body);",
                ),
            ):
                event = {"ai": "INSERT", "ad": "DELETE", "au": "UPDATE"}[name]
                session.execute(
                    text(
                        f"CREATE TRIGGER shop_search_{name} AFTER {event} ON shop_search "
                        f"BEGIN {body} END"
                    )
                )
            session.execute(text("INSERT INTO shop_search_fts(shop_search_fts) VALUES ('rebuild')"))
    else:
        try:
            with session.begin_nested():
                session.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except Exception as exc:  # no privilege: full-text and plain LIKE still work
            log.warning("pg_trgm unavailable (%s); search falls back to full-text", exc)
            _no_trgm.add(key)
        if key not in _no_trgm:
            session.execute(
                text(
                    "CREATE INDEX IF NOT EXISTS ix_shop_search_trgm ON shop_search "
                    "USING gin (lower(body) gin_trgm_ops)"
                )
            )
        session.execute(
            text(
                "CREATE INDEX IF NOT EXISTS ix_shop_search_fts ON shop_search "
                "USING gin (to_tsvector('russian', body))"
            )
        )
    _ready.add(key)


def _doc(kind: str, ref_id: str, title: str, body: str, seen: datetime | None) -> dict[str, object]:
    return {
        "id": make_id("search", kind, ref_id),
        "kind": kind,
        "ref_id": ref_id,
        "title": title[:300],
        "body": body,
        "seen_at": seen,
    }


def index_item(session: Session, item: ItemRecord) -> None:
    """Add or refresh one post (called by the link stage's per-post path)."""
    index_items(session, [item])


def index_items(session: Session, items: list[ItemRecord]) -> None:
    """Add or refresh many posts with one statement."""
    if not items:
        return
    ensure_backend(session)
    docs = {
        i.id: _doc("item", i.id, (i.text or "")[:120], i.text or "", i.published_at) for i in items
    }
    search = cast(Table, ShopSearchRecord.__table__)
    upsert_rows(session, search, list(docs.values()), ["id"], ["title", "body"])


def reindex(session: Session) -> int:
    """Rebuild every document: positive posts, indicators, live shops."""
    ensure_backend(session)
    session.execute(delete(ShopSearchRecord))
    total = 0
    batch: list[dict[str, object]] = []

    def flush() -> None:
        nonlocal total
        if batch:
            session.execute(insert(ShopSearchRecord), batch)
            total += len(batch)
            batch.clear()

    rows = session.execute(
        select(ItemRecord.id, ItemRecord.text, ItemRecord.published_at).where(
            ItemRecord.id.in_(
                select(DetectionRecord.item_id).where(
                    DetectionRecord.label == 1, DetectionRecord.status != "rejected"
                )
            )
        )
    )
    for iid, body, seen in rows:
        batch.append(_doc("item", iid, (body or "")[:120], body or "", seen))
        if len(batch) >= CHUNK:
            flush()
    for iid, type_, value, last in session.execute(
        select(
            IndicatorRecord.id,
            IndicatorRecord.type,
            IndicatorRecord.value,
            IndicatorRecord.last_seen,
        )
    ):
        batch.append(_doc("indicator", iid, f"{type_}: {value}", f"{type_} {value}", last))
        if len(batch) >= CHUNK:
            flush()
    for sid, title, when in session.execute(
        select(ShopRecord.id, ShopRecord.name, ShopRecord.last_seen).where(
            ShopRecord.merged_into.is_(None)
        )
    ):
        batch.append(_doc("shop", sid, title, title, when))
    flush()
    return total


def _clean(query: str) -> list[str]:
    query = query.strip()
    if not query or len(query) > MAX_QUERY:
        raise StoreError(f"a search has 1 to {MAX_QUERY} characters", code="E466")
    return [t for t in query.replace('"', " ").split() if t][:10]


def search(session: Session, query: str, *, kind: str | None = None, limit: int = 50) -> list[Hit]:
    """Documents matching every word of ``query`` (inside words, case-insensitive)."""
    terms = _clean(query)
    if kind is not None and kind not in KINDS:
        raise StoreError(f"unknown kind {kind!r}", code="E467")
    ensure_backend(session)
    params: dict[str, object] = {"limit": limit, "kind": kind}
    kind_sql = "AND s.kind = :kind" if kind else ""
    if _dialect(session) == "sqlite":
        long_terms = [t for t in terms if len(t) >= 3]
        short = [t for t in terms if len(t) < 3]
        where = [f"s.body LIKE :s{i}" for i in range(len(short))]
        params.update({f"s{i}": f"%{t}%" for i, t in enumerate(short)})
        if long_terms:
            params["match"] = " ".join('"' + t + '"' for t in long_terms)
            sql = (
                "SELECT s.kind, s.ref_id, s.title, snippet(shop_search_fts, 1, '[', ']', '…', 60), "
                "s.seen_at FROM shop_search_fts "
                "JOIN shop_search s ON s.rowid = shop_search_fts.rowid "
                f"WHERE shop_search_fts MATCH :match {kind_sql} "
                + "".join(f" AND {w}" for w in where)
                + " ORDER BY rank LIMIT :limit"
            )
        else:
            sql = (
                "SELECT s.kind, s.ref_id, s.title, substr(s.body, 1, 160), s.seen_at "
                f"FROM shop_search s WHERE 1=1 {kind_sql} "
                + "".join(f" AND {w}" for w in where)
                + " ORDER BY s.seen_at DESC LIMIT :limit"
            )
    else:
        trgm = str(session.get_bind().engine.url) not in _no_trgm
        likes = []
        for i, term in enumerate(terms):
            params[f"t{i}"] = f"%{term.lower()}%"
            likes.append(f"lower(s.body) LIKE :t{i}")
        params["q"] = " ".join(terms)
        sql = (
            "SELECT s.kind, s.ref_id, s.title, substr(s.body, 1, 160), s.seen_at "
            "FROM shop_search s WHERE (("
            + " AND ".join(likes)
            + ") OR to_tsvector('russian', s.body) @@ plainto_tsquery('russian', :q)) "
            f"{kind_sql} ORDER BY ts_rank(to_tsvector('russian', s.body), "
            "plainto_tsquery('russian', :q)) DESC"
            + (", similarity(lower(s.body), lower(:q)) DESC " if trgm else " ")
            + "LIMIT :limit"
        )
    rows = session.execute(text(sql), params).all()
    return [Hit(r[0], r[1], r[2], r[3] or "", _when(r[4])) for r in rows]


def _when(value: object) -> datetime | None:
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value if isinstance(value, datetime) else None

"""The persisted frontier of a website crawl, so a killed crawl resumes where it stopped.

Rows of ``monitor_frontier`` are written in the same transaction as the items of the pages
just fetched: a page is marked done together with its stored item and the new links it
led to. After a SIGKILL the next run loads the queued URLs and the seen set from here;
only the pages in flight at the kill are fetched again. A finished crawl deletes its rows,
so the next scheduled crawl starts from the seeds (with conditional requests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import cast

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables_monitoring import FrontierRecord

CHUNK = 500
FRONTIER = cast(Table, FrontierRecord.__table__)


def url_key(url: str) -> str:
    return make_id("frontier", url)


class Frontier:
    """Loads and updates one source's frontier rows."""

    def __init__(self, rt: Runtime, source_id: str) -> None:
        self.rt, self.source_id = rt, source_id

    def load(self) -> tuple[list[tuple[str, int]], set[str], int]:
        """(queued URLs with depth, every URL seen, pages done) of an interrupted crawl."""
        with self.rt.db.session(readonly=True) as session:
            rows = session.execute(
                select(FrontierRecord.url, FrontierRecord.depth, FrontierRecord.done).where(
                    FrontierRecord.source_id == self.source_id
                )
            ).all()
        queued = sorted(((u, d) for u, d, done in rows if not done), key=lambda r: r[1])
        return queued, {u for u, _, _ in rows}, sum(1 for *_, done in rows if done)

    def writer(
        self, done: Iterable[str], added: Iterable[tuple[str, int]]
    ) -> Callable[[Session], None]:
        """A callback for the crawl's save: marks ``done`` and queues ``added``."""
        done_keys = [url_key(u) for u in done]
        rows = [
            {
                "source_id": self.source_id,
                "url_hash": url_key(u),
                "url": u,
                "depth": d,
                "done": False,
            }
            for u, d in added
        ]

        def write(session: Session) -> None:  # Core statements: no ORM bookkeeping
            for i in range(0, len(rows), CHUNK):
                session.execute(insert(FRONTIER), rows[i : i + CHUNK])
            for i in range(0, len(done_keys), CHUNK):
                session.execute(
                    update(FRONTIER)
                    .where(
                        FRONTIER.c.source_id == self.source_id,
                        FRONTIER.c.url_hash.in_(done_keys[i : i + CHUNK]),
                    )
                    .values(done=True)
                )

        return write

    def clear(self, session: Session) -> None:
        session.execute(delete(FrontierRecord).where(FrontierRecord.source_id == self.source_id))

    def count(self) -> int:
        with self.rt.db.session(readonly=True) as session:
            return int(
                session.scalar(
                    select(func.count()).where(FrontierRecord.source_id == self.source_id)
                )
                or 0
            )

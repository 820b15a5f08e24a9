"""Crawl a public channel's web preview: newest page first, then back with ``?before=``.

Cursor: ``stop_at`` is the newest post id of the last finished walk (a walk stops once it
reaches posts at or below it), ``walk_before`` and ``walk_top`` describe a walk in progress.
Each page is saved with the cursor in one transaction, so a killed worker resumes the walk
at the page after the last saved one. Photos of new posts are downloaded and stored as
attachments (``config.photos``, default on; ``config.photo_max_bytes``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from narcowatch.errors import IngestError
from narcowatch.ingest.crawl import CrawlState, PoliteFetcher, Save
from narcowatch.ingest.telegram_photos import PHOTO_MAX_BYTES, fetch_photos
from narcowatch.ingest.telegram_web import channel_name, parse_preview, preview_url
from narcowatch.runtime import Runtime


def crawl(rt: Runtime, state: CrawlState, fetcher: PoliteFetcher, save: Save) -> None:
    with tempfile.TemporaryDirectory(prefix="tg-photos-") as folder:
        _walk(rt, state, fetcher, save, Path(folder))


def _walk(rt: Runtime, state: CrawlState, fetcher: PoliteFetcher, save: Save, folder: Path) -> None:
    photos = bool(state.config.get("photos", True))
    photo_max = int(state.config.get("photo_max_bytes", PHOTO_MAX_BYTES))
    channel = channel_name(state.config.get("channel") or state.url or "")
    base = state.config.get("base") or rt.settings.telegram_web_base
    max_pages = int(state.config.get("max_pages") or rt.settings.telegram_web_max_pages)
    cursor: dict[str, Any] = dict(state.cursor)
    stop_at = int(cursor.get("stop_at") or 0)
    before = cursor.get("walk_before")
    top = int(cursor.get("walk_top") or 0)
    for _ in range(max_pages):
        url = preview_url(base, channel, before)
        res = fetcher.fetch(url)
        state.pages += 1
        status = res.final.status
        if status in (404, 410) or (status == 302 and before is None):
            raise IngestError(f"channel {channel} has no public preview ({status})", code="E145")
        if status != 200:
            raise IngestError(f"{url} answered {status}", code="E146", status=status)
        page = parse_preview(res.final.body, channel, url)
        fresh = [p for p in page.posts if int(p.external_id) > stop_at]
        if page.posts:
            top = max(top, max(int(p.external_id) for p in page.posts))
        done = page.before is None or len(fresh) < len(page.posts) or not page.posts
        if done:
            cursor.update(stop_at=max(top, stop_at), walk_before=None, walk_top=None)
        else:
            cursor.update(walk_before=page.before, walk_top=top)
        if photos:
            fetch_photos(state, fetcher, fresh, folder, photo_max)
        save(fresh, cursor)
        for f in folder.iterdir():  # stored as blobs by now
            f.unlink()
        if done:
            return
        before = page.before
    state.problem("page_limit", f"{channel}: stopped after {max_pages} pages; resumes next run")

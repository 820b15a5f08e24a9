"""Website crawl: seeds, scope (host or path prefix), depth, sitemaps, conditional requests.

Each page becomes one item keyed by its canonical URL, with trafilatura's main text. The
page's ETag / Last-Modified and its links are kept in the item's meta, so the next crawl
asks ``If-None-Match`` / ``If-Modified-Since`` and a 304 costs no download yet the crawl
still follows the page's known links. Page-level problems (errors, 500s, redirect loops,
huge or binary pages, traps) are counted on the source's health; the crawl goes on.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urljoin

from sqlalchemy import select

from narcowatch.errors import NarcowatchError
from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.crawl import CrawlState, PoliteFetcher, Save
from narcowatch.ingest.pages import TrapGuard, canonical_url, decode, extract_page, in_scope
from narcowatch.ingest.sitemaps import parse_sitemap
from narcowatch.pipeline.intake import item_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord

HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "")
SAVE_EVERY = 20


def _known(rt: Runtime, source_id: str, url: str) -> dict[str, Any]:
    with rt.db.session() as session:
        meta = session.scalar(
            select(ItemRecord.meta).where(ItemRecord.id == item_id(source_id, url))
        )
    return dict(meta or {})


def _conditional(meta: dict[str, Any]) -> dict[str, str]:
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    return headers


def _sitemap_urls(state: CrawlState, fetcher: PoliteFetcher, seed: str, limit: int) -> list[str]:
    queue = [urljoin(seed, "/sitemap.xml")]
    urls: list[str] = []
    seen: set[str] = set()
    while queue and len(seen) < 10 and len(urls) < limit:
        sm = queue.pop(0)
        seen.add(sm)
        try:
            res = fetcher.fetch(sm)
        except NarcowatchError as exc:
            state.problem("sitemap_error", f"{sm}: {exc}")
            continue
        if res.final.status != 200:
            continue
        pages, children = parse_sitemap(res.final.body)
        urls.extend(pages)
        queue.extend(c for c in children if c not in seen)
    return urls[:limit]


def fetch_page(
    state: CrawlState, fetcher: PoliteFetcher, url: str, meta: dict[str, Any]
) -> tuple[IncomingItem | None, list[str]]:
    """Fetch one page; returns (item or None when unchanged/unusable, links to consider)."""
    try:
        res = fetcher.fetch(url, _conditional(meta))
    except NarcowatchError as exc:
        state.problem(f"fetch_{exc.code}", f"{url}: {exc}")
        return None, []
    ex = res.final
    if ex.status == 304:
        return None, list(meta.get("links", []))
    if ex.status != 200:
        state.problem(f"http_{ex.status}", f"{url} answered {ex.status}")
        return None, []
    ctype = (ex.header("content-type") or "").lower()
    if ctype.split(";")[0].strip() not in HTML_TYPES:
        state.problem("not_html", f"{url} is {ctype}")
        return None, []
    try:
        html, charset = decode(ex.body, ctype)
    except NarcowatchError as exc:
        state.problem("binary", f"{url}: {exc}")
        return None, []
    title, text, links = extract_page(html, res.url)
    item = IncomingItem(
        external_id=url,
        text=f"{title}\n{text}".strip(),
        raw=ex.body,
        content_type=ctype or "text/html",
        url=res.url,
        meta={
            "title": title,
            "charset": charset,
            "etag": ex.header("etag"),
            "last_modified": ex.header("last-modified"),
            "links": sorted({canonical_url(u) for u in links})[:500],
        },
    )
    return item, links


def _follow(
    state: CrawlState,
    links: list[str],
    seen: set[str],
    seed: str,
    scope: str,
    traps: TrapGuard,
    frontier: deque[tuple[str, int]],
    depth: int,
) -> None:
    for link in links:
        link = canonical_url(link)
        if link in seen or not in_scope(link, seed, scope):
            continue
        seen.add(link)
        reason = traps.refuse(link)
        if reason:
            state.problem(reason, f"refused {link[:200]}")
            continue
        frontier.append((link, depth + 1))


def crawl(rt: Runtime, state: CrawlState, fetcher: PoliteFetcher, save: Save) -> None:
    st, cfg = rt.settings, state.config
    seeds = [canonical_url(u) for u in (cfg.get("seeds") or [state.url])]
    scope = cfg.get("scope", "prefix")
    max_depth = int(cfg.get("max_depth", st.crawl_max_depth))
    max_pages = int(cfg.get("max_pages", st.crawl_max_pages))
    traps = TrapGuard(int(cfg.get("max_pages_per_pattern", st.crawl_max_pages_per_pattern)))
    frontier: deque[tuple[str, int]] = deque((u, 0) for u in seeds)
    if cfg.get("sitemap", True):
        for u in _sitemap_urls(state, fetcher, seeds[0], max_pages):
            if in_scope(canonical_url(u), seeds[0], scope):
                frontier.append((canonical_url(u), 1))
    seen = {u for u, _ in frontier}
    batch: list[IncomingItem] = []
    width = fetcher.concurrency
    with ThreadPoolExecutor(width, thread_name_prefix="crawl") as pool:
        while frontier and state.pages < max_pages:
            wave = [
                frontier.popleft()
                for _ in range(min(width, len(frontier), max_pages - state.pages))
            ]
            pages = pool.map(
                lambda job: fetch_page(state, fetcher, job[0], _known(rt, state.source_id, job[0])),
                wave,
            )
            for (_url, depth), (item, links) in zip(wave, pages, strict=True):
                state.pages += 1
                if item is not None:
                    item.meta["depth"] = depth
                    batch.append(item)
                if depth < max_depth:
                    _follow(state, links, seen, seeds[0], scope, traps, frontier, depth)
            if len(batch) >= SAVE_EVERY:
                save(batch, state.cursor)
                batch = []
    if frontier:
        state.problem("page_limit", f"stopped at {max_pages} pages, {len(frontier)} left")
    save(batch, {**state.cursor, "last_pages": state.pages})

"""RSS 2.0 and Atom feeds: one item per entry, keyed by its guid/id (else its link).

Parsed with lxml's XML parser (entities and network off, ``recover`` for sloppy feeds);
no feed library is a dependency and both formats need only a handful of elements.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import lxml.etree
import lxml.html

from narcowatch.errors import IngestError
from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.crawl import CrawlState, PoliteFetcher, Save
from narcowatch.ingest.sitemaps import PARSER
from narcowatch.runtime import Runtime


def _text(node: Any, *names: str) -> str:
    for name in names:
        found = node.find(name)
        if found is not None and (found.text or "").strip():
            return found.text.strip()
    return ""


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _plain(html: str) -> str:
    if "<" not in html:
        return html
    try:
        return str(lxml.html.fromstring(html).text_content()).strip()
    except (ValueError, lxml.etree.ParserError):
        return html


def parse_feed(body: bytes) -> list[IncomingItem]:
    """Entries of an RSS or Atom document; raises ``IngestError`` when it is neither."""
    try:
        root = lxml.etree.fromstring(body, PARSER)
    except lxml.etree.XMLSyntaxError as exc:
        raise IngestError(f"unreadable feed: {exc}", code="E148") from exc
    if root is None:
        raise IngestError("empty feed", code="E148")
    items = []
    atom = "{http://www.w3.org/2005/Atom}"
    for entry in root.iter("item", f"{atom}entry"):
        ns = atom if entry.tag.startswith(atom) else ""
        link = _text(entry, "link")
        if ns:
            links = [a.get("href") for a in entry.findall(f"{ns}link") if a.get("href")]
            link = links[0] if links else ""
        key = _text(entry, "guid", f"{ns}id") or link
        if not key:
            continue
        title = _text(entry, "title", f"{ns}title")
        body_html = _text(entry, "description", f"{ns}content", f"{ns}summary")
        raw = lxml.etree.tostring(entry, encoding="utf-8")
        items.append(
            IncomingItem(
                external_id=key[:500],
                text=f"{title}\n{_plain(body_html)}".strip(),
                raw=raw,
                content_type="application/xml",
                url=link or None,
                author=_text(entry, "author", f"{ns}author/{ns}name") or None,
                published_at=_date(_text(entry, "pubDate", f"{ns}published", f"{ns}updated")),
                meta={"title": title, "links": [link] if link else []},
            )
        )
    if not items and root.tag not in ("rss", f"{atom}feed", "rdf"):
        raise IngestError(f"not an RSS or Atom feed (root <{root.tag}>)", code="E148")
    return items


def crawl(rt: Runtime, state: CrawlState, fetcher: PoliteFetcher, save: Save) -> None:
    url = state.url or ""
    headers = {}
    if state.cursor.get("etag"):
        headers["If-None-Match"] = state.cursor["etag"]
    res = fetcher.fetch(url, headers)
    state.pages += 1
    if res.final.status == 304:
        save([], state.cursor)
        return
    if res.final.status != 200:
        raise IngestError(f"{url} answered {res.final.status}", code="E146")
    items = parse_feed(res.final.body)
    save(items, {**state.cursor, "etag": res.final.header("etag")})

"""Classified-ad sites described by per-site YAML (``data/classifieds/*.yaml``).

A description names the hosts it applies to, the list pages' ad element, its link, the
"next page" link, and the ad fields (title, text, price, city, seller, date) by CSS selector
(translated to XPath by cssselect). ``detail: true`` fetches each ad's own page and reads
the fields there. A site without a description gets the generic fallback: every same-host
link of the list page whose URL shape repeats (an ad list) is fetched as a web page, and
``rel=next`` or a "next/далее/келесі" link is followed.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import yaml
from lxml.cssselect import CSSSelector

from narcowatch.errors import IngestError, NarcowatchError
from narcowatch.ingest.base import IncomingItem
from narcowatch.ingest.crawl import CrawlState, PoliteFetcher, Save
from narcowatch.ingest.pages import canonical_url, decode, url_shape
from narcowatch.ingest.web import fetch_page
from narcowatch.paths import data_root
from narcowatch.runtime import Runtime

FIELDS = ("title", "text", "price", "city", "seller", "date")
NEXT_WORDS = ("next", "далее", "следующая", "вперёд", "вперед", "келесі", "»", "›")


@lru_cache(maxsize=1)
def site_descriptions() -> list[dict[str, Any]]:
    folder = data_root() / "classifieds"
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.yaml"))]


def description_for(url: str, config: dict[str, Any]) -> dict[str, Any] | None:
    if config.get("site"):
        if isinstance(config["site"], dict):
            return dict(config["site"])
        path = Path(config["site"])
        if path.exists():
            return dict(yaml.safe_load(path.read_text(encoding="utf-8")))
        for desc in site_descriptions():
            if desc.get("name") == config["site"]:
                return desc
        raise IngestError(f"no classified-site description {config['site']!r}", code="E149")
    host = (urlsplit(url).hostname or "").lower()
    for desc in site_descriptions():
        if host in [h.lower() for h in desc.get("hosts", [])]:
            return desc
    return None


def _select(node: Any, css: str | None) -> list[Any]:
    return CSSSelector(css)(node) if css else []


def _first_text(node: Any, css: str | None) -> str:
    found = _select(node, css)
    return " ".join(found[0].text_content().split()) if found else ""


def _ad(node: Any, desc: dict[str, Any], page_url: str, raw: bytes) -> IncomingItem | None:
    fields = {f: _first_text(node, desc.get("fields", {}).get(f)) for f in FIELDS}
    links = _select(node, desc.get("link"))
    href = links[0].get("href") if links else None
    ad_url = canonical_url(urljoin(page_url, href)) if href else None
    key = node.get(desc.get("id_attr", "data-id") or "data-id") or ad_url
    if not key or not (fields["title"] or fields["text"]):
        return None
    text = "\n".join(v for v in (fields["title"], fields["text"], fields["price"]) if v)
    return IncomingItem(
        external_id=str(key),
        text=text,
        raw=raw,
        content_type="text/html",
        url=ad_url or page_url,
        author=fields["seller"] or None,
        meta={"site": desc.get("name"), "list_page": page_url, **fields},
    )


def _next(doc: Any, desc: dict[str, Any] | None, page_url: str) -> str | None:
    if desc and desc.get("next"):
        found = _select(doc, desc["next"])
        return urljoin(page_url, found[0].get("href")) if found and found[0].get("href") else None
    for a in doc.xpath("//a[@href]"):
        rel = (a.get("rel") or "").lower()
        if rel == "next" or a.text_content().strip().lower() in NEXT_WORDS:
            return urljoin(page_url, a.get("href"))
    return None


def _generic_ads(
    state: CrawlState, fetcher: PoliteFetcher, doc: Any, page_url: str
) -> list[IncomingItem]:
    host = urlsplit(page_url).netloc
    links = [canonical_url(urljoin(page_url, h)) for h in doc.xpath("//a/@href")]
    links = [u for u in links if urlsplit(u).netloc == host]
    shapes = Counter(url_shape(u) for u in links)
    ads = []
    for u in dict.fromkeys(links):
        if shapes[url_shape(u)] >= 3 and u != canonical_url(page_url):
            item, _ = fetch_page(state, fetcher, u, {})
            state.pages += 1
            if item is not None:
                ads.append(item)
    return ads


def crawl(rt: Runtime, state: CrawlState, fetcher: PoliteFetcher, save: Save) -> None:
    url = state.cursor.get("next_page") or state.url or ""
    desc = description_for(state.url or "", state.config)
    max_pages = int(state.config.get("max_pages") or (desc or {}).get("max_pages") or 20)
    seen_pages: set[str] = set()
    for _ in range(max_pages):
        if url in seen_pages:
            state.problem("pagination_loop", f"next page loops back to {url}")
            break
        seen_pages.add(url)
        res = fetcher.fetch(url)
        state.pages += 1
        if res.final.status != 200:
            raise IngestError(f"{url} answered {res.final.status}", code="E146")
        html, _ = decode(res.final.body, res.final.header("content-type"))
        doc = lxml.html.fromstring(html)
        if desc is None:
            ads = _generic_ads(state, fetcher, doc, url)
        else:
            ads = []
            for node in _select(doc, desc.get("item")):
                if desc.get("detail") and (links := _select(node, desc.get("link"))):
                    ads.extend(_detail(state, fetcher, desc, urljoin(url, links[0].get("href"))))
                elif (ad := _ad(node, desc, url, lxml.html.tostring(node))) is not None:
                    ads.append(ad)
        nxt = _next(doc, desc, url)
        save(ads, {**state.cursor, "next_page": nxt})
        if not nxt:
            break
        url = nxt
    else:
        state.problem("page_limit", f"stopped after {max_pages} list pages; resumes next run")
        return
    save([], {**state.cursor, "next_page": None})


def _detail(
    state: CrawlState, fetcher: PoliteFetcher, desc: dict[str, Any], url: str
) -> list[IncomingItem]:
    try:
        res = fetcher.fetch(url)
    except NarcowatchError as exc:
        state.problem(f"fetch_{exc.code}", f"{url}: {exc}")
        return []
    state.pages += 1
    if res.final.status != 200:
        state.problem(f"http_{res.final.status}", f"{url} answered {res.final.status}")
        return []
    html, _ = decode(res.final.body, res.final.header("content-type"))
    doc = lxml.html.fromstring(html)
    ad = _ad(doc, {**desc, "link": None}, url, res.final.body)
    if ad is not None:
        ad.external_id, ad.url = canonical_url(url), canonical_url(url)
    return [ad] if ad is not None else []

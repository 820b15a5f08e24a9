"""Sitemaps (sitemaps.org protocol): ``<urlset>`` pages and ``<sitemapindex>`` children.

Parsed with lxml's XML parser with entity resolution and network access off (no XXE); a
broken sitemap yields what could be read, never an exception to the crawler.
"""

from __future__ import annotations

import lxml.etree

PARSER = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, recover=True, huge_tree=False
)


def parse_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    """Return (page URLs, child sitemap URLs) of a sitemap or sitemap index."""
    try:
        root = lxml.etree.fromstring(body, PARSER)
    except lxml.etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    pages: list[str] = []
    children: list[str] = []
    for loc in root.iter("{*}loc"):
        parent = loc.getparent()
        target = children if parent is not None and parent.tag.endswith("sitemap") else pages
        if loc.text and loc.text.strip():
            target.append(loc.text.strip())
    return pages, children

"""Telegram public channels through their web preview ``t.me/s/<channel>``.

The preview lists the newest ~20 posts of a public channel; older ones are reached with
``?before=<post id>`` (the page's "load more" link carries ``data-before``). Each post is a
``div.tgme_widget_message`` with ``data-post="<channel>/<id>"``; inside are the text
(``.tgme_widget_message_text``), the date (``time[datetime]`` in ``a.tgme_widget_message_date``),
views (``.tgme_widget_message_views``, "1.2K"), forwarded-from
(``.tgme_widget_message_forwarded_from_name``) and photos (``background-image:url(...)`` on
``.tgme_widget_message_photo_wrap``). The page is parsed with lxml (XPath on class tokens).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.html

from narcowatch.errors import IngestError
from narcowatch.ingest.base import IncomingItem

CHANNEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
BG_URL_RE = re.compile(r"background-image:\s*url\(['\"]?([^'\")]+)")


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


@dataclass
class PreviewPage:
    channel: str
    posts: list[IncomingItem] = field(default_factory=list)
    before: int | None = None  # the id to ask for the next older page, None when at the start


def channel_name(value: str) -> str:
    """Accept ``name``, ``@name``, ``t.me/name``, ``https://t.me/s/name``; return ``name``."""
    name = value.strip().rstrip("/")
    name = re.sub(r"^(https?://)?(www\.)?(t\.me|telegram\.me)/(s/)?", "", name).lstrip("@")
    name = name.split("/")[0].split("?")[0]
    if not CHANNEL_RE.match(name):
        raise IngestError(f"not a public Telegram channel name: {value!r}", code="E140")
    return name


def parse_views(text: str) -> int | None:
    text = text.strip().upper().replace(",", ".")
    m = re.match(r"^([0-9.]+)\s*([KM]?)$", text)
    if not m:
        return None
    scale = {"": 1, "K": 1_000, "M": 1_000_000}[m.group(2)]
    return int(float(m.group(1)) * scale)


def _text_of(node: Any) -> str:
    for br in node.xpath(".//br"):
        br.tail = "\n" + (br.tail or "")
    return str(node.text_content()).strip()


def _post(node: Any, channel: str, page_url: str) -> IncomingItem | None:
    data_post = node.get("data-post") or ""
    name, _, post_id = data_post.rpartition("/")
    if not post_id.isdigit():
        return None
    text_nodes = node.xpath(f".//div[{_cls('tgme_widget_message_text')}]")
    text = _text_of(text_nodes[0]) if text_nodes else ""
    links = []
    if text_nodes:
        links = [a.get("href") for a in text_nodes[0].xpath(".//a[@href]")]
    published = None
    for t in node.xpath(f".//a[{_cls('tgme_widget_message_date')}]//time[@datetime]"):
        try:
            published = datetime.fromisoformat(t.get("datetime"))
        except ValueError:
            published = None
    views_nodes = node.xpath(f".//span[{_cls('tgme_widget_message_views')}]")
    views = parse_views(views_nodes[0].text_content()) if views_nodes else None
    fwd = node.xpath(f".//a[{_cls('tgme_widget_message_forwarded_from_name')}]")
    photos = [
        m.group(1)
        for wrap in node.xpath(f".//a[{_cls('tgme_widget_message_photo_wrap')}]")
        if (m := BG_URL_RE.search(wrap.get("style") or ""))
    ]
    author_nodes = node.xpath(f".//a[{_cls('tgme_widget_message_owner_name')}]")
    meta: dict[str, Any] = {"channel": name or channel, "post_id": int(post_id)}
    if views is not None:
        meta["views"] = views
    if fwd:
        meta["forwarded_from"] = {"name": fwd[0].text_content().strip(), "url": fwd[0].get("href")}
    if links:
        meta["links"] = links
    if photos:
        meta["photos"] = photos
    raw = json.dumps(
        {"post": data_post, "html": lxml.html.tostring(node, encoding="unicode")},
        ensure_ascii=False,
    ).encode()
    return IncomingItem(
        external_id=post_id,
        text=text,
        raw=raw,
        content_type="application/json",
        url=f"https://t.me/{name or channel}/{post_id}",
        author=author_nodes[0].text_content().strip() if author_nodes else None,
        published_at=published,
        meta=meta,
    )


def parse_preview(html: bytes | str, channel: str, page_url: str = "") -> PreviewPage:
    """Parse one preview page; raises ``IngestError`` when it is not a channel preview."""
    try:
        doc = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise IngestError(f"unreadable preview page {page_url}: {exc}", code="E141") from exc
    page = PreviewPage(channel=channel)
    nodes = doc.xpath(f"//div[{_cls('tgme_widget_message')}][@data-post]")
    if not nodes and not doc.xpath(f"//*[{_cls('tgme_channel_info')}]"):
        raise IngestError(
            f"{page_url} is not a public channel preview (private, renamed or blocked?)",
            code="E142",
        )
    for node in nodes:
        item = _post(node, channel, page_url)
        if item is not None:
            page.posts.append(item)
    more = doc.xpath(f"//a[{_cls('tme_messages_more')}][@data-before]")
    if more and (more[0].get("data-before") or "").isdigit():
        page.before = int(more[0].get("data-before"))
    return page


def preview_url(base: str, channel: str, before: int | None = None) -> str:
    url = f"{base.rstrip('/')}/s/{channel}"
    return f"{url}?before={before}" if before else url

"""Is a blocked Telegram channel, bot or user really down? Read t.me's pages, not the status.

t.me answers HTTP 200 for everything: for a live public channel, for a username that no
longer exists, and for a channel Telegram has taken down. The answer is in the page, so a
re-check of a Telegram target reads the public preview ``<base>/s/<name>`` and, when there
is none (t.me redirects to ``<base>/<name>``), the contact page:

- ``blocked``: the page says the channel "can't be displayed" (Terms of Service, local laws,
  copyright) or is unavailable; the wording is Telegram's, matched in its English form,
  which is what t.me serves without an Accept-Language preference;
- ``active``: the preview lists the channel (``tgme_channel_info``) or the contact page names
  an account (``tgme_page_title``) with a join/open action;
- ``missing``: neither (the username is free again).

Only ``active`` counts as reachable for a blocking request.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import html as lxml_html

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.dog"}
BLOCKED_PHRASES = (
    "can't be displayed",
    "can’t be displayed",
    "cannot be displayed",
    "is unavailable",
    "was blocked",
    "has been blocked",
    "violated telegram's terms",
    "violated local laws",
)


def telegram_name(address: str) -> str | None:
    """``t.me/name``, ``https://t.me/s/name``, ``@name`` → ``name``; None for other targets."""
    text = address.strip()
    if text.startswith("@"):
        name = text[1:]
        return name if NAME.match(name) else None
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if (parts.hostname or "").lower() not in TELEGRAM_HOSTS:
        return None
    segments = [p for p in parts.path.split("/") if p]
    if segments[:1] == ["s"]:
        segments = segments[1:]
    if not segments or not NAME.match(segments[0]):
        return None  # invite links (+code, joinchat) and t.me/c/ ids have no public page
    return segments[0]


def _classes(doc: lxml_html.HtmlElement, name: str) -> list[lxml_html.HtmlElement]:
    return doc.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def page_state(body: bytes) -> str:
    """``active``, ``blocked`` or ``missing`` for a t.me preview or contact page."""
    if not body.strip():
        return "missing"
    try:
        doc = lxml_html.fromstring(body)
    except (ValueError, lxml_html.etree.ParserError):
        return "missing"
    listed = bool(_classes(doc, "tgme_channel_info") or _classes(doc, "tgme_widget_message"))
    for post in _classes(doc, "tgme_widget_message"):  # a post may quote the phrases below
        post.drop_tree()
    text = " ".join(doc.text_content().split()).lower()
    if any(phrase in text for phrase in BLOCKED_PHRASES):
        return "blocked"
    if listed:
        return "active"
    titles = [t.text_content().strip() for t in _classes(doc, "tgme_page_title")]
    return "active" if any(titles) else "missing"


def preview_url(base: str, name: str) -> str:
    return f"{base.rstrip('/')}/s/{name}"

"""Links in reports, in one canonical spelling, so the same link reported 50 times is one.

Written here rather than taken from the extractors because reports need only a narrow,
stable rule (scheme and host case, ``www.``, tracking parameters, Telegram web previews,
``@handles``) that decides de-duplication and must not change when extractors evolve.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import regex

URL_RE = regex.compile(
    r"(?i)\b(?:https?://|www\.|t\.me/|telegram\.me/)[^\s<>\"'«»]+|(?<![\w@.])@[A-Za-z][\w]{3,31}\b"
)
TRACKING = ("utm_", "fbclid", "gclid", "yclid", "ref")
TELEGRAM_HOSTS = {"t.me", "telegram.me", "telegram.dog"}


def canonical_url(raw: str) -> str | None:
    """The canonical form of a link or ``@handle``; None if it is not one."""
    raw = raw.strip().rstrip(".,;:!?)]}")
    if not raw:
        return None
    if raw.startswith("@"):
        return f"https://t.me/{raw[1:].lower()}"
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if "." not in host:
        return None
    path = parts.path.rstrip("/")
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith(TRACKING)]
    )
    if host in TELEGRAM_HOSTS:
        host = "t.me"
        if path.startswith("/s/"):  # t.me/s/<channel> is the web preview of t.me/<channel>
            path = path[2:]
        path = path.lower()
        query = ""
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    return urlunsplit(("https", host + port, path, query, ""))


def find_links(text: str) -> list[str]:
    """Canonical links and handles in ``text``, in order, each once."""
    seen: dict[str, None] = {}
    for match in URL_RE.finditer(text or ""):
        url = canonical_url(match.group(0))
        if url:
            seen.setdefault(url, None)
    return list(seen)

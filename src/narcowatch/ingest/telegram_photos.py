"""Photos of t.me/s preview posts, downloaded as attachments so OCR can read them.

Shops post price lists and contacts as pictures. The preview shows each photo as a CSS
``background-image`` URL; we fetch it through the same guarded, polite fetcher, refuse
anything over the size limit or whose bytes are not an image (the type is read from the
magic bytes, not trusted from the header), and hand the rest to intake as attachments,
which stores them as blobs. Problems are counted on the source; the post is kept.
"""

from __future__ import annotations

from pathlib import Path

from narcowatch.errors import NarcowatchError
from narcowatch.ingest.base import Attachment, IncomingItem
from narcowatch.ingest.crawl import CrawlState, PoliteFetcher

PHOTO_MAX_BYTES = 5 * 1024 * 1024
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
)


def image_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the magic bytes, or None when it is not an image."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    for magic, ctype, ext in MAGIC:
        if data.startswith(magic):
            return ctype, ext
    return None


def fetch_photos(
    state: CrawlState,
    fetcher: PoliteFetcher,
    items: list[IncomingItem],
    folder: Path,
    max_bytes: int = PHOTO_MAX_BYTES,
) -> int:
    """Attach the photos of ``items`` (files in ``folder``); returns how many were attached."""
    attached = 0
    for item in items:
        for n, url in enumerate(item.meta.get("photos", [])):
            try:
                ex = fetcher.fetch(url).final
            except NarcowatchError as exc:
                state.problem(f"photo_{exc.code}", f"{url}: {exc}")
                continue
            if ex.status != 200:
                state.problem(f"photo_http_{ex.status}", f"{url} answered {ex.status}")
                continue
            if len(ex.body) > max_bytes:
                state.problem("photo_too_big", f"{url}: {len(ex.body)} bytes > {max_bytes}")
                continue
            kind = image_type(ex.body)
            if kind is None:
                state.problem("photo_not_image", f"{url} is not an image")
                continue
            path = folder / f"{item.external_id}_{n}{kind[1]}"
            path.write_bytes(ex.body)
            item.attachments.append(Attachment("photo", path, path.name, kind[0]))
            attached += 1
    return attached

"""Read the pictures attached to an item (price lists, stencilled graffiti) into its text.

Shops post price lists as pictures so that keyword filters miss them. With the
``ocr_images`` setting on, this stage runs Tesseract and zbar (``extract.ocr``) on an
item's image attachments before normalisation, and appends what they say to the item's
text, so classification, extraction and the analyst's highlighting all see it. The OCR
confidence and the QR payloads stay in ``meta["ocr"]``; an item whose pictures were
already read is not read again.
"""

from __future__ import annotations

import logging
from typing import Any

from narcowatch.pipeline.context import ItemContext
from narcowatch.store.blobs import BlobStore

log = logging.getLogger(__name__)

MARK = "\n\n[OCR]\n"


def _pictures(meta: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    found = [
        att
        for att in meta.get("attachments", [])
        if att.get("sha256") and str(att.get("content_type", "")).startswith("image/")
    ]
    return found[:limit]


class OcrStage:
    name = "ocr"

    def process(self, ctx: ItemContext) -> None:
        from narcowatch.extract.ocr import clean_ocr_text, ocr_image  # Tesseract, on demand

        meta = dict(ctx.item.meta or {})
        pictures = _pictures(meta, ctx.settings.ocr_max_images)
        digests = [att["sha256"] for att in pictures]
        if not pictures or meta.get("ocr", {}).get("images") == digests:
            return
        blobs = BlobStore(ctx.settings.blob_dir)
        source_chars = meta.get("ocr", {}).get("source_chars", len(ctx.item.text or ""))
        texts: list[str] = []
        read: list[dict[str, Any]] = []
        for att in pictures:
            result = ocr_image(blobs.get(att["sha256"]))
            text = "\n".join(x for x in (clean_ocr_text(result.text), *result.qr) if x)
            texts.append(text)
            read.append(
                {
                    "sha256": att["sha256"],
                    "confidence": round(result.confidence, 1),
                    "qr": list(result.qr),
                    "chars": len(text),
                }
            )
            ctx.count(self.name, "images")
        base = (ctx.item.text or "")[:source_chars]
        joined = "\n".join(t for t in texts if t.strip())
        ctx.item.text = base + MARK + joined if joined else base
        meta["ocr"] = {"images": digests, "source_chars": source_chars, "read": read}
        ctx.item.meta = meta
        ctx.count(self.name, "items")

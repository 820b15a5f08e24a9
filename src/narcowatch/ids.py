"""Deterministic ids: a hash of the natural key, so re-runs upsert instead of duplicating."""

from __future__ import annotations

import hashlib


def make_id(*parts: object) -> str:
    """Return a stable 32-hex-char id for the natural key ``parts``."""
    key = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

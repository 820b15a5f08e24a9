"""HMAC pseudonyms: the only trace of a reporter the system keeps.

``HMAC-SHA256(key, channel:identifier)`` is stable (rate limits, ``/status``, answers) but
cannot be reversed or recomputed without the key. The key comes from settings, or is
generated once into the data directory with owner-only permissions.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from narcowatch.settings import Settings

KEY_FILE = "pseudonym.key"


def load_key(settings: Settings) -> bytes:
    """The pseudonym key: from settings, else from (or created in) ``data_dir/pseudonym.key``."""
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode("utf-8")
    path = Path(settings.data_dir) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass  # made earlier, or by a concurrent process a moment ago
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def pseudonymize(key: bytes, channel: str, identifier: object) -> str:
    """A 64-hex-char pseudonym for ``identifier`` seen on ``channel`` (``tg``, ``web``...)."""
    msg = f"{channel}:{identifier}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


class Pseudonymizer:
    """Bound to one key; call it with a channel and an identifier."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> Pseudonymizer:
        return cls(load_key(settings))

    def __call__(self, channel: str, identifier: object) -> str:
        return pseudonymize(self._key, channel, identifier)

    def token(self, purpose: str, value: str, length: int = 10) -> str:
        """A short keyed code (e.g. the web status access code of a report)."""
        digest = hmac.new(self._key, f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base32(digest)[:length]


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def base32(data: bytes) -> str:
    """Crockford base32 (no I, L, O, U): easy to read aloud and to type from a phone."""
    number = int.from_bytes(data, "big")
    out = []
    for _ in range((len(data) * 8 + 4) // 5):
        out.append(CROCKFORD[number & 31])
        number >>= 5
    return "".join(reversed(out))

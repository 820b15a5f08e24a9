"""Content-addressed blob store for raw bytes (pages, media, exports, WARC files).

A blob is written to a temporary file and renamed into place, so a crash never leaves a
half-written blob under its final name, and the same bytes are stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from narcowatch.errors import StoreError


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._folders: set[str] = set()  # fan-out folders known to exist

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise StoreError(f"not a sha256 digest: {sha256!r}", code="E410")
        return Path(self._folder(sha256), sha256)

    def _folder(self, sha256: str) -> str:
        """The fan-out folder of a digest, as a str: a crawl puts hundreds of blobs a second."""
        return os.path.join(self.root, sha256[:2], sha256[2:4])

    def put(self, data: bytes, *, durable: bool = True) -> str:
        """Store ``data``; with ``durable=False`` the caller promises to call ``sync()``
        before it commits anything that refers to the blob (one sync per batch, not per blob).
        """
        digest = hashlib.sha256(data).hexdigest()
        folder = self._folder(digest)
        target = os.path.join(folder, digest)
        if os.path.exists(target):
            return digest
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        except FileNotFoundError:  # the folder was removed behind our back
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            try:
                view = memoryview(data)
                while view:  # write(2) straight from the bytes, no buffer copy
                    view = view[os.write(fd, view) :]
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def sync(self) -> None:
        """Flush blobs written with ``durable=False`` to disk."""
        os.sync()

    def get(self, sha256: str) -> bytes:
        target = self.path(sha256)
        try:
            data = target.read_bytes()
        except FileNotFoundError as exc:
            raise StoreError(f"blob {sha256} is missing from {self.root}", code="E411") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StoreError(f"blob {sha256} is corrupted (hash mismatch)", code="E412")
        return data

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

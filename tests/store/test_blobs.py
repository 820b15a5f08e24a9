from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from narcowatch.errors import StoreError
from narcowatch.store.blobs import BlobStore


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"hello")
    assert digest == hashlib.sha256(b"hello").hexdigest()
    assert store.put(b"hello") == digest
    assert store.get(digest) == b"hello"
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_corruption_is_detected(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put(b"evidence")
    store.path(digest).write_bytes(b"tampered")
    with pytest.raises(StoreError, match="E412"):
        store.get(digest)


def test_missing_and_bad_digests_are_clear(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(StoreError, match="E411"):
        store.get("0" * 64)
    with pytest.raises(StoreError, match="E410"):
        store.get("../../etc/passwd")


def test_a_fan_out_folder_removed_behind_the_store_is_made_again(tmp_path: Path) -> None:
    """The store remembers which folders it made; one deleted since (a clean-up, a restore)
    is made again instead of failing the write."""
    import shutil

    store = BlobStore(tmp_path)
    first = store.put(b"first blob")
    shutil.rmtree(store.path(first).parent)
    assert store.put(b"first blob") == first
    assert store.get(first) == b"first blob"
    assert store.put(b"") and store.get(store.put(b"")) == b""

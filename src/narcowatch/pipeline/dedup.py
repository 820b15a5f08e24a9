"""De-duplication of posts: exact duplicates by hash of normalised text, near ones by MinHash LSH.

The same ad is reposted across channels and days, with a changed emoji, price or phone
separator. Items stay stored once per source; this module groups them, so the analyst sees
one ad with its count, first and last seen and its sources. Exact copies are grouped by a
hash of the normalised text (no MinHash needed for them); each distinct text gets a
MinHash (datasketch, word 3-shingles) and is matched through MinHash LSH against earlier
distinct texts. An LSH hit is only a candidate: it joins the groups when the two signatures
agree on at least ``threshold`` of their values (estimated Jaccard), because union-find chains
every accepted pair and one false band collision would merge two unrelated ads for good.
Groups are a union-find over distinct texts.

``regroup`` rebuilds the stored groups from all items in one transaction (run by
``narcowatch dedup`` or as a ``monitor.dedup`` job); it streams items in id order.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH
from sqlalchemy import delete, select

from narcowatch.ids import make_id
from narcowatch.runtime import Runtime
from narcowatch.store.tables import ItemRecord
from narcowatch.store.tables_monitoring import DuplicateGroupRecord, DuplicateMemberRecord

WORD = re.compile(r"\w+", re.UNICODE)
NUM_PERM = 64
MERSENNE = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)


def normalise(text: str) -> str:
    """Lower case, ё->е, words only (punctuation, emoji and spacing tricks dropped)."""
    return " ".join(WORD.findall(text.lower().replace("ё", "е")))


def text_hash(norm: str) -> str:
    return hashlib.blake2b(norm.encode(), digest_size=16).hexdigest()


def _crc(b: bytes) -> int:
    return zlib.crc32(b)


def shingles(norm: str, k: int = 3) -> list[bytes]:
    words = norm.split()
    if len(words) <= k:
        return [norm.encode()] if norm else []
    return list({" ".join(words[i : i + k]).encode() for i in range(len(words) - k + 1)})


class Grouper:
    """Batch-incremental grouping of texts; ``add_many`` then ``find(key)`` for the root.

    Signatures use datasketch's MinHash permutations and its LSH band/row choice for the
    threshold, but are computed for a whole batch at once with numpy, and bands go into
    plain dicts holding one key per bucket (grouping needs only "some earlier member of
    this bucket", so a union with it is enough). datasketch's per-text objects and bucket
    lists measured ~3x slower, too slow for 1 M posts in two minutes.

    Each bucket hit is verified on the signatures' low 16 bits (b-bit MinHash: two values
    agree by chance with probability 2^-16, so the estimate stays unbiased for our use) at
    128 bytes per distinct text.
    """

    def __init__(self, threshold: float = 0.6, num_perm: int = NUM_PERM) -> None:
        self.num_perm = num_perm
        self.threshold = threshold
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.bands, self.rows = lsh.b, lsh.r
        self.buckets: list[dict[bytes, str]] = [{} for _ in range(self.bands)]
        a, b = MinHash(num_perm=num_perm, hashfunc=_crc).permutations
        self._a = np.asarray(a, dtype=np.uint64)
        self._b = np.asarray(b, dtype=np.uint64)
        self.by_hash: dict[str, str] = {}  # normalised-text hash -> its first key
        self.parent: dict[str, str] = {}
        self.row: dict[str, int] = {}  # key -> its row in ``self.low``
        self.low = np.empty((1024, num_perm), dtype=np.uint16)  # low 16 bits of signatures
        self.min_agree = int(np.ceil(threshold * num_perm))

    def find(self, key: str) -> str:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:  # path compression
            self.parent[key], key = root, self.parent[key]
        return root

    def signatures(self, norms: list[str]) -> np.ndarray:
        """MinHash signatures (one row per text) of word 3-shingles, computed in one go."""
        hashes: list[int] = []
        starts: list[int] = []
        for norm in norms:
            starts.append(len(hashes))
            hashes.extend(zlib.crc32(sh) for sh in shingles(norm))
        hv = np.asarray(hashes, dtype=np.uint64)[:, None]
        phv = ((hv * self._a + self._b) % MERSENNE) & MAX_HASH
        return np.minimum.reduceat(phv, np.asarray(starts), axis=0)

    def _add_signatures(self, fresh: list[tuple[str, str]]) -> None:
        sigs = self.signatures([norm for _, norm in fresh])
        base = len(self.row)  # rows in use; ``self.low`` grows by doubling
        used = base + len(sigs)
        if used > len(self.low):
            grown = np.empty((max(used, 2 * len(self.low)), self.num_perm), np.uint16)
            grown[:base] = self.low[:base]
            self.low = grown
        self.low[base:used] = sigs
        low, r, need = self.low, self.rows, self.min_agree
        for i, ((key, _), sig) in enumerate(zip(fresh, sigs, strict=True)):
            me = base + i
            self.row[key] = me
            for band, table in enumerate(self.buckets):
                other = table.setdefault(sig[band * r : (band + 1) * r].tobytes(), key)
                if other == key:
                    continue
                a, b = self.find(other), self.find(key)
                if a != b and np.count_nonzero(low[self.row[other]] == low[me]) >= need:
                    self.parent[b] = a

    def add(self, key: str, text: str) -> tuple[str, bool]:
        return self.add_many([(key, text)])[0]

    def add_many(self, pairs: list[tuple[str, str]]) -> list[tuple[str, bool]]:
        """Group each (key, text); returns (group root, exact copy?) for each."""
        out: list[tuple[str, bool]] = []
        fresh: list[tuple[str, str]] = []
        for key, text in pairs:
            norm = normalise(text)
            digest = text_hash(norm)
            first = self.by_hash.get(digest)
            if first is not None:
                self.parent[key] = first
                out.append((first, True))
                continue
            self.by_hash[digest] = key
            self.parent[key] = key
            out.append((key, False))
            if len(norm) >= 20:  # too short to call anything a near duplicate
                fresh.append((key, norm))
        if fresh:
            self._add_signatures(fresh)
        return [(self.find(k), exact) for (k, _), (_, exact) in zip(pairs, out, strict=True)]


def group_texts(texts: Iterable[tuple[str, str]], threshold: float = 0.6) -> dict[str, str]:
    """Map each key to its group's representative key (the first text of the group)."""
    grouper = Grouper(threshold)
    batch: list[tuple[str, str]] = []
    for pair in texts:
        batch.append(pair)
        if len(batch) >= 2000:
            grouper.add_many(batch)
            batch = []
    grouper.add_many(batch)
    return {key: grouper.find(key) for key in grouper.parent}


@dataclass
class GroupSummary:
    items: int = 0
    groups: int = 0
    grouped_items: int = 0  # items in groups of two or more
    largest: int = 0
    sizes: list[int] = field(default_factory=list)


def _stream(rt: Runtime, chunk: int = 5000) -> Iterator[tuple[str, str, str, datetime]]:
    last = ""
    while True:
        with rt.db.session() as session:
            rows = session.execute(
                select(ItemRecord.id, ItemRecord.source_id, ItemRecord.text, ItemRecord.fetched_at)
                .where(ItemRecord.id > last)
                .order_by(ItemRecord.id)
                .limit(chunk)
            ).all()
        if not rows:
            return
        for row in rows:
            yield row.id, row.source_id, row.text or "", row.fetched_at
        last = rows[-1].id


def regroup(rt: Runtime, threshold: float = 0.6) -> GroupSummary:
    """Rebuild duplicate groups over all stored items (one transaction for the write)."""
    grouper = Grouper(threshold)
    info: dict[str, tuple[str, datetime, bool, str]] = {}
    batch: list[tuple[str, str, str, datetime]] = []

    def flush() -> None:
        results = grouper.add_many([(iid, text) for iid, _, text, _ in batch])
        for (iid, sid, text, seen), (_, exact) in zip(batch, results, strict=True):
            info[iid] = (sid, seen, exact, text_hash(normalise(text)))
        batch.clear()

    for row in _stream(rt):
        batch.append(row)
        if len(batch) >= 2000:
            flush()
    flush()
    members: dict[str, list[str]] = {}
    for iid in info:
        members.setdefault(grouper.find(iid), []).append(iid)
    summary = GroupSummary(items=len(info))
    with rt.db.session() as session:
        session.execute(delete(DuplicateMemberRecord))
        session.execute(delete(DuplicateGroupRecord))
        for root, ids in members.items():
            if len(ids) < 2:
                continue
            gid = make_id("dupgroup", root)
            seen = [info[i][1] for i in ids]
            sources = sorted({info[i][0] for i in ids})
            session.add(
                DuplicateGroupRecord(
                    id=gid,
                    first_item=root,
                    size=len(ids),
                    sources=sources,
                    first_seen=min(seen),
                    last_seen=max(seen),
                )
            )
            for i in ids:
                session.add(
                    DuplicateMemberRecord(
                        item_id=i, group_id=gid, exact=info[i][2], text_hash=info[i][3]
                    )
                )
            summary.groups += 1
            summary.grouped_items += len(ids)
            summary.largest = max(summary.largest, len(ids))
    return summary


def pair_scores(predicted: dict[str, str], truth: dict[str, Any]) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping against known groups (for the bench)."""
    from collections import Counter

    pred_sizes = Counter(predicted.values())
    both = Counter((predicted[k], truth[k]) for k in predicted)
    true_sizes = Counter(truth[k] for k in predicted)
    pairs = lambda n: n * (n - 1) // 2  # noqa: E731
    tp = sum(pairs(n) for n in both.values())
    pp = sum(pairs(n) for n in pred_sizes.values())
    tt = sum(pairs(n) for n in true_sizes.values())
    return (tp / pp if pp else 1.0), (tp / tt if tt else 1.0)

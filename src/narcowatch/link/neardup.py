"""Near-identical ads: MinHash signatures and LSH buckets (datasketch).

Shops repost one advert with small edits across mirrors; a repost without its own handle
or card still belongs to the shop. Shingles are character 5-grams of the casefolded text
with digits masked, so a changed price or phone does not hide the copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from datasketch import MinHash, MinHashLSH

from narcowatch.link.rules import NEAR_DUP_THRESHOLD

NUM_PERM = 64
MIN_CHARS = 40
_SPACE = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")


def shingles(text: str, k: int = 5) -> set[bytes]:
    folded = _DIGIT.sub("0", _SPACE.sub(" ", text.casefold()).strip())
    return {folded[i : i + k].encode("utf-8") for i in range(max(len(folded) - k + 1, 0))}


def signature(text: str) -> MinHash | None:
    grams = shingles(text)
    if len(text) < MIN_CHARS or not grams:
        return None
    mh = MinHash(num_perm=NUM_PERM)
    mh.update_batch(list(grams))
    return mh


def near_duplicates(
    texts: Iterable[tuple[str, str]], threshold: float = NEAR_DUP_THRESHOLD
) -> list[tuple[str, str]]:
    """Pairs (earlier id, later id) of texts whose estimated Jaccard is >= ``threshold``."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    sigs: dict[str, MinHash] = {}
    exact: dict[bytes, str] = {}  # identical signatures skip the LSH (no quadratic buckets)
    found: list[tuple[str, str]] = []
    for key, text in texts:
        sig = signature(text)
        if sig is None or key in sigs:
            continue
        digest = sig.hashvalues.tobytes()
        if digest in exact:
            found.append((exact[digest], key))
            continue
        exact[digest] = key
        for other in lsh.query(sig):
            if sigs[other].jaccard(sig) >= threshold:
                found.append((other, key))
                break
        lsh.insert(key, sig)
        sigs[key] = sig
    return found

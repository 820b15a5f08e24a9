"""Top-level domains, from the Public Suffix List shipped inside the ``tld`` package.

A bare ``word.word`` is a domain only when its last label is a real top-level domain;
we read the list the ``tld`` package keeps up to date instead of hard-coding one.
Unicode TLDs (``рф``, ``қаз``) are kept in both spellings, Unicode and punycode.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

# Extensions that are also TLDs but, written bare, are almost always file names.
FILE_LIKE_TLDS = frozenset({"zip", "mov", "py", "sh", "md", "ps", "so", "rar", "exe", "pdf"})


@cache
def top_level_domains() -> frozenset[str]:
    """Every top-level label of the Public Suffix List, lowercase, Unicode and punycode."""
    path = resources.files("tld") / "res" / "effective_tld_names_public_only.dat.txt"
    found: set[str] = {"onion"}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        label = line.rsplit(".", 1)[-1].lstrip("*!").lower()
        if not label:
            continue
        found.add(label)
        try:
            found.add(label.encode("idna").decode("ascii"))
        except UnicodeError:
            continue
    return frozenset(found)


def is_tld(label: str) -> bool:
    return label.lower() in top_level_domains()

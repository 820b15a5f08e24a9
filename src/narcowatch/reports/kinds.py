"""The vocabulary of reports: kinds, statuses (in order of progress) and regions."""

from __future__ import annotations

KINDS: tuple[str, ...] = ("link", "photo", "stash", "lab", "den", "other")

# received -> checking -> sent_for_blocking -> blocked; rejected ends a report at any point.
STATUSES: tuple[str, ...] = ("received", "checking", "sent_for_blocking", "blocked", "rejected")
STATUS_RANK = {status: rank for rank, status in enumerate(STATUSES[:4])}
FINAL_STATUSES = frozenset({"blocked", "rejected"})

# Kazakhstan: 17 regions and 3 cities of republican significance.
REGIONS: tuple[str, ...] = (
    "astana",
    "almaty_city",
    "shymkent",
    "abai",
    "akmola",
    "aktobe",
    "almaty_region",
    "atyrau",
    "east_kazakhstan",
    "jambyl",
    "jetisu",
    "karaganda",
    "kostanay",
    "kyzylorda",
    "mangystau",
    "north_kazakhstan",
    "pavlodar",
    "turkistan",
    "ulytau",
    "west_kazakhstan",
)

# How urgent a kind is for the analyst queue (a lab or a den is rarer and more serious).
KIND_PRIORITY = {"lab": 60, "den": 50, "stash": 40, "photo": 30, "link": 20, "other": 10}

MAX_TEXT = 4000
MAX_PHOTOS = 5

"""Timestamps as UTC epoch seconds, from the shapes exports use (s, ms, ISO 8601)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from narcowatch.errors import TraceError

EARLIEST = 1231006505  # the Bitcoin genesis block: no transfer can be older
SLACK = 2 * 86400


class TimestampError(TraceError):
    code = "E804"


def parse_ts(raw: object) -> int:
    """Epoch seconds from an integer (seconds or milliseconds) or an ISO 8601 string."""
    text = str(raw).strip()
    if not text:
        raise TimestampError("timestamp is empty")
    try:
        number = float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" UTC", "+00:00"))
        except ValueError as exc:
            raise TimestampError(f"timestamp {text!r} is neither epoch nor ISO 8601") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        value = int(moment.timestamp())
    else:
        value = int(number / 1000) if number > 1e11 else int(number)
    latest = int(time.time()) + SLACK
    if not EARLIEST <= value <= latest:
        raise TimestampError(
            f"timestamp {text!r} is out of range (before 2009-01-03 or in the future)"
        )
    return value


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

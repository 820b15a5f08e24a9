"""When demo posts happen: a period of about six months, busier in the evening."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7, 8, 9, 9, 9, 8, 5, 3)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return max(1, (self.end - self.start).days)

    def moment(self, rng: random.Random) -> datetime:
        """A random moment in the period; hours follow HOUR_WEIGHTS (Kazakhstan local time)."""
        day = rng.randrange(self.days)
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        # HOUR_WEIGHTS are local (UTC+5) hours; store UTC.
        at = self.start + timedelta(days=day, hours=hour - 5, seconds=rng.randrange(3600))
        return min(max(at, self.start), self.end - timedelta(seconds=1))

    def fraction(self, at: datetime) -> float:
        span = (self.end - self.start).total_seconds()
        return min(1.0, max(0.0, (at - self.start).total_seconds() / span))

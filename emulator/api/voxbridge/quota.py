"""The monthly minute quota, pure.

Not documented beyond the 402, so decided here: each answered call counts its connected
seconds rounded up to whole minutes, in the calendar month (UTC, virtual clock) it ended;
a new call is refused while the month's minutes used reach the limit; queued calls reserve
nothing. Orgs start with DEFAULT_MONTHLY_MINUTES.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from emulator.api.voxbridge.errors import QUOTA_REACHED, VoxError

DEFAULT_MONTHLY_MINUTES = 1000
MAX_MONTHLY_MINUTES = 10_000_000


def minutes(connected_seconds: int | float | None) -> int:
    return math.ceil(connected_seconds / 60) if connected_seconds else 0


def month(ts: float) -> str:
    """The quota period of an instant: ``2026-06``."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m")


@dataclass(slots=True)
class Usage:
    """One org's running count: O(1) per call, whatever the store holds."""

    period: str = ""
    minutes: int = 0

    def record(self, ended_at: float, connected_seconds: int | float | None) -> None:
        """Count a call that ended; a call that ended in a new month starts a new count."""
        period = month(ended_at)
        if period != self.period:
            if period < self.period:
                return  # an old month's call (a restored snapshot): not this month's
            self.period, self.minutes = period, 0
        self.minutes += minutes(connected_seconds)

    def this_month(self, now: float) -> int:
        return self.minutes if self.period == month(now) else 0


def check(used_minutes: int, limit: int) -> None:
    if used_minutes >= limit:
        raise VoxError("quota", QUOTA_REACHED)

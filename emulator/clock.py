"""Virtual time. The only module that reads the wall clock.

All emulator time is unix seconds (float) on a virtual timeline. Two modes:

* ``manual``: time moves only when told (``advance``/``set``). Tests use it.
* ``realtime``: virtual time follows the wall clock times ``speed``.

Switching modes re-anchors, so virtual time never jumps when the mode changes.

Time is bounded: it never leaves [MIN_TIME, MAX_TIME] (1970 to the end of year
9999, the range every timestamp can be written in). Moving it by hand stops at
LATEST, a week short of MAX_TIME, so every step a call or a webhook retry
schedules from there (a few days at most) still lands inside the range.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

MODES = ("manual", "realtime")
MIN_TIME = 0.0  # 1970-01-01T00:00:00Z
MAX_TIME = 253402300799.0  # 9999-12-31T23:59:59Z
LATEST = MAX_TIME - 7 * 86400  # the latest time the clock can be moved (or restored) to
MAX_SPEED = 100_000.0


def iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_time(when: float, what: str = "time") -> float:
    """``when`` if the clock may be put there; else ValueError saying the range."""
    if not (math.isfinite(when) and MIN_TIME <= when <= LATEST):
        raise ValueError(
            f"{what} must be between {iso(MIN_TIME)} and {iso(LATEST)} (unix {MIN_TIME:.0f} to "
            f"{LATEST:.0f}); got {when!r}"
        )
    return when


def check_speed(speed: float, what: str = "speed") -> float:
    if not 0 < speed <= MAX_SPEED:  # NaN too
        raise ValueError(f"{what} must be a number above 0 and at most {MAX_SPEED:g} (got {speed!r})")
    return float(speed)


class Clock:
    def __init__(
        self,
        start: float | None = None,
        mode: str = "manual",
        speed: float = 1.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._wall = wall
        # Start at the wall-clock time so webhook receivers that compare a
        # signature timestamp with their own clock accept it.
        self._virtual = check_time(float(int(wall() if start is None else start)), "start")
        self._anchor_wall = wall()
        self._mode = "manual"
        self._speed = 1.0
        self._frozen: float | None = None
        self.configure(mode, speed)
        self._start = (self._virtual, self._mode, self._speed)  # what rewind() returns to

    def rewind(self) -> None:
        """Back to the time, mode and speed the clock started with (a reset)."""
        self.restore(*self._start)

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        if self._frozen is not None:
            return self._frozen
        if self._mode == "manual":
            return self._virtual
        return min(MAX_TIME, self._virtual + (self._wall() - self._anchor_wall) * self._speed)

    def wall_now(self) -> float:
        """Real time, for what must be checked against a real clock (signature ``t``)."""
        return self._wall()

    def configure(self, mode: str, speed: float | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown clock mode {mode!r}")
        self._virtual = self.now()
        self._anchor_wall = self._wall()
        self._mode = mode
        if speed is not None:
            self._speed = check_speed(speed)

    def set(self, when: float) -> None:
        """Move virtual time forward to ``when`` (never backwards, never past MAX_TIME)."""
        if not when <= MAX_TIME:
            raise ValueError(f"time cannot pass {iso(MAX_TIME)}")
        if when < self.now():
            return
        self._virtual = when
        self._anchor_wall = self._wall()

    @contextlib.contextmanager
    def frozen_at(self, when: float) -> Iterator[None]:
        """Read ``when`` as the time while a job due then runs.

        In realtime mode the driver runs a job a little after it is due; its
        timestamps (and the delays it schedules) still count from the due time.
        """
        previous, self._frozen = self._frozen, when
        try:
            yield
        finally:
            self._frozen = previous

    def restore(self, now: float, mode: str, speed: float) -> None:
        """Put the clock exactly where a snapshot had it, even back in time."""
        check_time(now, "clock.now")
        self.configure("manual", speed)
        self._virtual = now
        self.configure(mode)

    def seconds_until(self, when: float) -> float:
        """Wall seconds until virtual time reaches ``when`` (realtime mode)."""
        return max(0.0, (when - self.now()) / self._speed)

"""Virtual time. The only module that reads the wall clock.

All emulator time is unix seconds (float) on a virtual timeline. Two modes:

* ``manual``: time moves only when told (``advance``/``set``). Tests use it.
* ``realtime``: virtual time follows the wall clock times ``speed``.

Switching modes re-anchors, so virtual time never jumps when the mode changes.
"""

from __future__ import annotations

import contextlib
import time
from typing import Callable, Iterator

MODES = ("manual", "realtime")


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
        self._virtual = float(int(wall() if start is None else start))
        self._anchor_wall = wall()
        self._mode = "manual"
        self._speed = 1.0
        self._frozen: float | None = None
        self.configure(mode, speed)

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
        return self._virtual + (self._wall() - self._anchor_wall) * self._speed

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
            if speed <= 0:
                raise ValueError("speed must be positive")
            self._speed = float(speed)

    def set(self, when: float) -> None:
        """Move virtual time forward to ``when`` (never backwards)."""
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
        self.configure("manual", speed)
        self._virtual = now
        self.configure(mode)

    def seconds_until(self, when: float) -> float:
        """Wall seconds until virtual time reaches ``when`` (realtime mode)."""
        return max(0.0, (when - self.now()) / self._speed)

"""A heap of timed jobs on the virtual clock.

Every delay in the emulator (ringing, talk time, extraction, webhook retries)
is a job here, so thousands of calls in flight cost heap entries, not tasks.
Ties break on a sequence number: the same inputs run in the same order.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any, Callable


class Job:
    __slots__ = ("due", "seq", "fn", "args", "cancelled")

    def __init__(self, due: float, seq: int, fn: Callable[..., Any], args: tuple) -> None:
        self.due = due
        self.seq = seq
        self.fn = fn
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: "Job") -> bool:
        return (self.due, self.seq) < (other.due, other.seq)


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[Job] = []
        self._seq = itertools.count()
        # Called with each new job's due time: the realtime driver wakes up early for it.
        self.on_schedule: Callable[[float], None] | None = None

    def __len__(self) -> int:
        return sum(1 for job in self._heap if not job.cancelled)

    def at(self, due: float, fn: Callable[..., Any], *args: Any) -> Job:
        job = Job(due, next(self._seq), fn, args)
        heapq.heappush(self._heap, job)
        if self.on_schedule is not None:
            self.on_schedule(due)
        return job

    def jobs(self) -> list[Job]:
        """The live jobs in the order they will run (for a snapshot)."""
        return sorted(job for job in self._heap if not job.cancelled)

    def next_due(self) -> float | None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)
        return self._heap[0].due if self._heap else None

    def pop_due(self, now: float) -> Job | None:
        """The earliest job due at or before ``now``, removed from the heap."""
        due = self.next_due()
        if due is None or due > now:
            return None
        return heapq.heappop(self._heap)

    def clear(self) -> None:
        self._heap.clear()

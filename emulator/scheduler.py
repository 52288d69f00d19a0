"""A heap of timed jobs on the virtual clock.

Every delay in the emulator (ringing, talk time, extraction, webhook retries)
is a job here, so thousands of calls in flight cost heap entries, not tasks.
Ties break on a sequence number: the same inputs run in the same order.
A job that raises is logged and recorded (``failures``) and the next one runs:
one broken step never stops the clock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.clock import MAX_TIME, iso
from emulator.errors import InvalidRequest

log = logging.getLogger("callingbox_emulator.scheduler")


class Job:
    __slots__ = ("due", "seq", "fn", "args", "cancelled", "step")

    def __init__(
        self, due: float, seq: int, fn: Callable[..., Any], args: tuple[Any, ...], step: str | None = None
    ) -> None:
        self.due = due
        self.seq = seq
        self.fn = fn
        self.args = args
        self.cancelled = False
        self.step = step  # the registered step's stable name (what a snapshot records)

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: Job) -> bool:
        return (self.due, self.seq) < (other.due, other.seq)


@dataclass(frozen=True, slots=True)
class Failure:
    at: float  # the virtual time the job was due
    step: str  # e.g. Engine._pickup
    target: str | None  # the id of what it worked on (a call, a delivery)
    error: str


class Failures:
    """The jobs that raised: how many, and the last few (bounded)."""

    def __init__(self, keep: int = 20) -> None:
        self.count = 0
        self.recent: deque[Failure] = deque(maxlen=keep)

    def record(self, job: Job, exc: Exception) -> None:
        self.count += 1
        step = getattr(job.fn, "__qualname__", repr(job.fn))
        target = next((a.id for a in job.args if isinstance(getattr(a, "id", None), str)), None)
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        detail = f"{type(exc).__name__}: {exc}" + (f" ({where.filename}:{where.lineno})" if where else "")
        self.recent.append(Failure(at=job.due, step=step, target=target, error=detail[:500]))
        log.error("scheduled job %s for %s failed; the clock goes on", step, target, exc_info=exc)

    def clear(self) -> None:
        self.count = 0
        self.recent.clear()


class Scheduler:
    def __init__(self, steps: dict[str, Callable[..., Any]] | None = None) -> None:
        # (due, seq, job): tuples compare in C, a Job's __lt__ in Python (the heap's main cost);
        # seq is unique, so a job itself is never compared.
        self._heap: list[tuple[float, int, Job]] = []
        # Registered steps by stable name: snapshots and restores name jobs by these, never by
        # the methods behind them.
        self.steps: dict[str, Callable[..., Any]] = dict(steps or {})
        self._seq = itertools.count()
        self.failures = Failures()
        # Called with each new job's due time: the realtime driver wakes up early for it.
        self.on_schedule: Callable[[float], None] | None = None

    def __len__(self) -> int:
        return sum(1 for _, _, job in self._heap if not job.cancelled)

    def at(self, due: float, fn: Callable[..., Any], *args: Any) -> Job:
        if not due <= MAX_TIME:  # NaN too
            raise InvalidRequest(f"this would schedule a step past {iso(MAX_TIME)}, the latest time the clock reaches")
        job = Job(due, next(self._seq), fn, args)
        heapq.heappush(self._heap, (due, job.seq, job))
        if self.on_schedule is not None:
            self.on_schedule(due)
        return job

    def register(self, name: str, fn: Callable[..., Any]) -> None:
        self.steps[name] = fn

    def step(self, due: float, name: str, *args: Any) -> Job:
        """Schedule the registered step ``name`` with ``args`` (a KeyError for an unknown name)."""
        job = self.at(due, self.steps[name], *args)
        job.step = name
        return job

    def jobs(self) -> list[Job]:
        """The live jobs in the order they will run (for a snapshot)."""
        return [job for _, _, job in sorted(self._heap) if not job.cancelled]

    def next_due(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: float) -> Job | None:
        """The earliest job due at or before ``now``, removed from the heap."""
        due = self.next_due()
        if due is None or due > now:
            return None
        return heapq.heappop(self._heap)[2]

    def run(self, job: Job) -> bool:
        """Run one popped job (unless cancelled); False when it raised (recorded, not re-raised)."""
        if job.cancelled:
            return False
        try:
            job.fn(*job.args)
        except Exception as exc:  # isolated: the next job runs, the driver keeps going
            self.failures.record(job, exc)
            return False
        return True

    def clear(self) -> None:
        self._heap.clear()
        self.failures.clear()

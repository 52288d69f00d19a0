"""A bounded history of published call events, newest last.

It hears the same bus as the webhook dispatcher, so what tests (and a live
dashboard) see is exactly what receivers were sent. Each event keeps the wall
time it was published at beside its virtual time, for timelines.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from emulator.domain.records import Event

DEFAULT_LIMIT = 10_000


class History:
    def __init__(self, limit: int = DEFAULT_LIMIT, wall: Callable[[], float] | None = None) -> None:
        # Side by side, same bound, so they stay aligned: no (event, wall) pair per event for the
        # collector to walk (the wall times are floats, which it never sees).
        self._events: deque[Event] = deque(maxlen=limit)
        self._walls: deque[float] = deque(maxlen=limit)
        self._wall = wall

    def record(self, event: Event) -> None:
        self._events.append(event)
        self._walls.append(self._wall() if self._wall else 0.0)

    def entries(self, call_id: str | None = None, org_id: str | None = None) -> list[tuple[Event, float]]:
        """(event, wall time) pairs, oldest first."""
        return [
            (e, wall)
            for e, wall in zip(self._events, self._walls, strict=True)
            if (call_id is None or e.call.id == call_id) and (org_id is None or e.call.org_id == org_id)
        ]

    def events(self, call_id: str | None = None, org_id: str | None = None) -> list[Event]:
        return [e for e, _ in self.entries(call_id, org_id)]

"""A bounded history of published call events, newest last.

It hears the same bus as the webhook dispatcher, so what tests (and a live
dashboard) see is exactly what receivers were sent.
"""

from __future__ import annotations

from collections import deque

from emulator.domain.records import Event

DEFAULT_LIMIT = 10_000


class History:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._events: deque[Event] = deque(maxlen=limit)

    def record(self, event: Event) -> None:
        self._events.append(event)

    def events(self, call_id: str | None = None, org_id: str | None = None) -> list[Event]:
        return [
            e for e in self._events
            if (call_id is None or e.call.id == call_id) and (org_id is None or e.call.org_id == org_id)
        ]

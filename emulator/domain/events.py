"""Synchronous publish/subscribe of call events.

The webhook dispatcher, and later a live dashboard, subscribe here: both see
the same events in the same order.
"""

from __future__ import annotations

from typing import Callable

from emulator.domain.records import Event

Subscriber = Callable[[Event], None]


class Bus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def publish(self, event: Event) -> None:
        for fn in self._subscribers:
            fn(event)

"""Synchronous publish/subscribe of call events, and the feed behind the public event stream.

The webhook dispatcher, the history and the feed subscribe to the bus: all see
the same events in the same order. The feed adds what the stream needs on top:
a sequence id per item (the SSE ``id:``), a bounded replay buffer for
``Last-Event-ID``, and bounded per-subscriber queues. It outlives a reset, so ids
keep rising and a reader's resume point stays meaningful.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from emulator.domain.records import Event

Subscriber = Callable[[Event], None]

REPLAY_LIMIT = 10_000  # items kept for Last-Event-ID
QUEUE_LIMIT = 2_000  # items a subscriber may fall behind before it is cut off
MAX_SUBSCRIBERS = 64


class Bus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, fn: Subscriber) -> None:
        self._subscribers.append(fn)

    def publish(self, event: Event) -> None:
        for fn in self._subscribers:
            fn(event)


@dataclass(slots=True)
class Item:
    """One thing that happened: ``subject`` is the record (an Event, a webhook attempt, ...),
    rendered by the HTTP layer on first use and cached in ``text`` for every reader."""

    seq: int
    type: str
    org_id: str | None
    call_id: str | None
    created: float  # virtual time
    wall: float
    subject: Any
    text: bytes | None = None


class Reader:
    """One subscriber: a bounded queue. ``wake`` is called after each item is queued, and
    when the reader is dropped: ``ended`` then says why ("lagged": its queue would pass
    its limit; "shutdown": the server is stopping)."""

    def __init__(self, match: Callable[[Item], bool], wake: Callable[[], None], limit: int) -> None:
        self.match, self.wake, self.limit = match, wake, limit
        self.queue: deque[Item] = deque()
        self.ended: str | None = None


class TooManyReaders(Exception):
    pass


class Feed:
    def __init__(self, now: Callable[[], float], wall: Callable[[], float],
                 replay: int = REPLAY_LIMIT, queue_limit: int = QUEUE_LIMIT,
                 max_readers: int = MAX_SUBSCRIBERS) -> None:
        self._now, self._wall = now, wall
        self._replay: deque[Item] = deque(maxlen=replay)
        self.queue_limit, self.max_readers = queue_limit, max_readers
        self.readers: list[Reader] = []
        self.last_seq = 0
        self.cut_off = 0  # readers dropped for falling behind, ever

    def publish(self, type: str, subject: Any, org_id: str | None = None, call_id: str | None = None,
                created: float | None = None) -> Item:
        self.last_seq += 1
        item = Item(self.last_seq, type, org_id, call_id, self._now() if created is None else created,
                    self._wall(), subject)
        self._replay.append(item)
        for reader in list(self.readers):
            if not reader.match(item):
                continue
            if len(reader.queue) >= reader.limit:
                # A slow reader is cut off, never waited for: the emulator does not slow down.
                reader.ended = "lagged"
                self.readers.remove(reader)
                self.cut_off += 1
            else:
                reader.queue.append(item)
            reader.wake()
        return item

    def call_event(self, event: Event) -> None:
        """A bus subscriber: each call event, as published."""
        self.publish(event.type, event, event.call.org_id, event.call.id, event.created)

    def subscribe(self, match: Callable[[Item], bool], wake: Callable[[], None],
                  after: int | None = None) -> tuple[Reader, list[Item], int]:
        """A new reader, the buffered items after ``after`` that match, and how many items
        were missed (older than the buffer, or -1 when ``after`` is from the future: another run)."""
        if len(self.readers) >= self.max_readers:
            raise TooManyReaders(f"{self.max_readers} event-stream readers are connected already; close one")
        reader = Reader(match, wake, self.queue_limit)
        self.readers.append(reader)
        if after is None:
            return reader, [], 0
        if after > self.last_seq:
            return reader, [i for i in self._replay if match(i)], -1
        first = self._replay[0].seq if self._replay else self.last_seq + 1
        missed = max(0, first - after - 1)
        return reader, [i for i in self._since(after) if match(i)], missed

    def _since(self, after: int) -> Iterable[Item]:
        # Newest last: walk back from the end, so a recent resume point costs little.
        found: list[Item] = []
        for item in reversed(self._replay):
            if item.seq <= after:
                break
            found.append(item)
        return reversed(found)

    def unsubscribe(self, reader: Reader) -> None:
        if reader in self.readers:
            self.readers.remove(reader)

    def close(self) -> None:
        """End every reader (the server is shutting down)."""
        for reader in self.readers:
            reader.ended = "shutdown"
            reader.wake()
        self.readers.clear()

"""Synchronous publish/subscribe of call events, and the feed behind the public event stream.

The webhook dispatcher, the history and the feed subscribe to the bus: all see
the same events in the same order. The feed adds what the stream needs on top:
a sequence id per item (the SSE ``id:``) and one bounded ring of the latest
items, shared by every reader: a reader is only a cursor into it, so a reader
costs no memory of its own, a burst published in one go reaches every reader,
and a reader whose next item falls out of the ring (it fell that far behind) is
cut off. The same ring answers ``Last-Event-ID``. The feed outlives a reset, so
ids keep rising and a reader's resume point stays meaningful.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from emulator.dialect import Change
from emulator.domain.records import Event

Subscriber = Callable[[Event], None]

REPLAY_LIMIT = 10_000  # items kept: for Last-Event-ID, and how far a reader may fall behind
MAX_BYTES = 64 * 1024 * 1024  # and at most this much held through them (records kept alive, rendered text)
MAX_SUBSCRIBERS = 64
RUN = 256  # items a batch looks at in one slice (a 64 KiB batch of call events is ~60 of them)


class Bus:
    """Named events (the dialect's, mapped from neutral changes) and the neutral changes themselves."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._watchers: list[Callable[[Change], None]] = []

    def watch(self, fn: Callable[[Change], None]) -> None:
        """``fn`` hears each neutral change, after the named events it was mapped to."""
        self._watchers.append(fn)

    def changed(self, change: Change) -> None:
        for fn in self._watchers:
            fn(change)

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
    size: int = 0  # bytes it holds beyond what other stores hold anyway (its rendered text included)
    text: bytes | None = None


class Reader:
    """One subscriber: a cursor (``next_seq``) and a filter. ``wake`` is called after each
    publish, and when the reader is dropped: ``ended`` then says why ("lagged": its next
    item left the ring; "shutdown": the server is stopping)."""

    def __init__(self, match: Callable[[Item], bool] | None, wake: Callable[[], None], next_seq: int) -> None:
        self.match, self.wake, self.next_seq = match, wake, next_seq
        self.ended: str | None = None


class TooManyReaders(Exception):
    pass


class Feed:
    def __init__(
        self,
        now: Callable[[], float],
        wall: Callable[[], float],
        replay: int = REPLAY_LIMIT,
        max_readers: int = MAX_SUBSCRIBERS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self._now, self._wall = now, wall
        self.size, self.max_bytes = replay, max_bytes
        self._ring: list[Item | None] = [None] * replay  # item n at n % size
        self._texts: list[bytes | None] = [None] * replay  # its message once rendered, at the same slot
        self.max_readers = max_readers
        self.readers: list[Reader] = []
        self.last_seq = 0
        self.oldest_seq = 1  # the oldest id still held (last_seq + 1 when empty)
        self.bytes = 0
        self.cut_off = 0  # readers dropped for falling behind, ever

    def publish(
        self,
        type: str,
        subject: Any,
        org_id: str | None = None,
        call_id: str | None = None,
        created: float | None = None,
        size: int = 0,
    ) -> Item:
        self.last_seq += 1
        item = Item(
            self.last_seq,
            type,
            org_id,
            call_id,
            self._now() if created is None else created,
            self._wall(),
            subject,
            size,
        )
        if self._ring[item.seq % self.size] is not None:
            self._forget_oldest()  # the ring wrapped
        self._ring[item.seq % self.size] = item
        self._texts[item.seq % self.size] = None
        self.bytes += size
        while self.bytes > self.max_bytes and self.oldest_seq < item.seq:
            self._forget_oldest()
        if not self.readers:  # the usual case: nobody is streaming
            return item
        oldest = self.oldest_seq
        for reader in list(self.readers):
            if reader.next_seq < oldest:
                # Its next item is gone: cut off, never waited for, so the emulator never slows down.
                reader.ended = "lagged"
                self.readers.remove(reader)
                self.cut_off += 1
            reader.wake()
        return item

    def _forget_oldest(self) -> None:
        slot = self.oldest_seq % self.size
        item = self._ring[slot]
        if item is not None:
            self.bytes -= item.size
        self._ring[slot] = self._texts[slot] = None
        self.oldest_seq += 1

    def rendered(self, item: Item, text: bytes) -> None:
        """Keep ``text`` as the item's message, counted against the byte bound."""
        item.text = text
        item.size += len(text)
        if item.seq >= self.oldest_seq:
            self.bytes += len(text)
            self._texts[item.seq % self.size] = text

    def call_event(self, event: Event) -> None:
        """A bus subscriber: each call event, as published."""
        self.publish(event.type, event, event.call.org_id, event.call.id, event.created)

    def subscribe(
        self, match: Callable[[Item], bool] | None, wake: Callable[[], None], after: int | None = None
    ) -> tuple[Reader, int]:
        """A reader from the item after ``after`` (from now on when None), and how many items
        it missed: older than the ring, or -1 when ``after`` is from the future (another run)."""
        if len(self.readers) >= self.max_readers:
            raise TooManyReaders(f"{self.max_readers} event-stream readers are connected already; close one")
        missed, start = 0, self.last_seq + 1
        if after is not None and after > self.last_seq:
            missed, start = -1, self.oldest_seq
        elif after is not None:
            start = max(after + 1, self.oldest_seq)
            missed = start - after - 1
        reader = Reader(match, wake, start)
        self.readers.append(reader)
        return reader, missed

    def next(self, reader: Reader) -> Item | None:
        """The reader's next matching item (moving its cursor), or None when it is up to date."""
        while reader.next_seq <= self.last_seq and reader.ended is None:
            item = self._ring[reader.next_seq % self.size]
            reader.next_seq += 1
            if item is not None and (reader.match is None or reader.match(item)):
                return item
        return None

    def take(self, reader: Reader, budget: int, text: Callable[[Item], bytes]) -> tuple[list[bytes], int | None]:
        """The messages (``text`` of each item) of the reader's next matching items, up to about
        ``budget`` bytes, moving its cursor; and the last one's seq (None: it was up to date).
        One loop over the ring for a whole batch: a replay sends thousands of items."""
        if reader.match is None and reader.ended is None:
            ready = self._rendered_run(reader, budget)
            if ready is not None:
                return ready
        ring, size, last, match = self._ring, self.size, self.last_seq, reader.match
        parts: list[bytes] = []
        seq, taken = reader.next_seq, None
        while seq <= last and budget > 0 and reader.ended is None:
            item = ring[seq % size]
            seq += 1
            if item is not None and (match is None or match(item)):
                message = item.text if item.text is not None else text(item)
                parts.append(message)
                budget -= len(message)
                taken = item.seq
        reader.next_seq = seq
        return parts, taken

    def _rendered_run(self, reader: Reader, budget: int) -> tuple[list[bytes], int | None] | None:
        """``take`` for a reader of every item, when its next batch is all rendered and in one
        stretch of the ring: a slice of the texts and a count of their sizes, with no item looked
        at (a replay sends thousands). The same batch the loop would take; None when this does
        not apply (then the loop takes it)."""
        seq = reader.next_seq
        if seq > self.last_seq:
            return [], None
        start, waiting = seq % self.size, self.last_seq - seq + 1
        window = self._texts[start : start + min(RUN, waiting)]  # stops at the ring's end
        if not all(window):  # one not rendered yet (texts are never empty): a truth test, not == None
            return None
        run, count = cast(list[bytes], window), 0
        for text in run:  # sizes only: no item, no filter
            count += 1
            budget -= len(text)
            if budget <= 0:
                break
        else:
            if len(run) < waiting:
                return None  # the budget lies past the slice (the ring wrapped, or small items): the loop goes on
        reader.next_seq = seq + count
        return run[:count], seq + count - 1

    def unsubscribe(self, reader: Reader) -> None:
        if reader in self.readers:
            self.readers.remove(reader)

    def close(self) -> None:
        """End every reader (the server is shutting down)."""
        for reader in self.readers:
            reader.ended = "shutdown"
            reader.wake()
        self.readers.clear()

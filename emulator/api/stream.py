"""GET /_emulator/events/stream: everything that happens, as Server-Sent Events.

One message per item of the emulator's feed (emulator/domain/events.py): call
events as the API names them, webhook delivery attempts, webhooks arriving at
sinks, clock changes and resets. Each has an ``id:`` (rising, never reused while
the process lives), so a client that reconnects with ``Last-Event-ID`` (or
``?last_event_id=``) misses nothing still in the feed's ring, and is told with
an ``event: gap`` message when it did. A reader that falls further behind than
the ring holds is cut off (``event: overflow``, then the stream ends): it never
slows the emulator down. The stream ends on shutdown, so ``up`` stops promptly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from emulator.api import http
from emulator.api.errors import error_response
from emulator.api.faults import ConnectionDropped
from emulator.api.wire import control as wire
from emulator.api.wire.common import iso
from emulator.domain.events import Feed, Item, Reader, TooManyReaders
from emulator.domain.records import Event
from emulator.errors import InvalidRequest
from emulator.runtime import Emulator
from emulator.webhooks.log import Attempt

OTHER_TYPES = ("delivery.attempt", "sink.received", "clock.changed", "emulator.reset")
BATCH_BYTES = 64 * 1024
ATTEMPT = TypeAdapter(Attempt)
DROP_GRACE = 2.0  # wall seconds a cut-off reader's pending write may still take
KEEPALIVE = 15.0  # wall seconds between comments on a quiet stream (finds vanished clients, feeds proxies)
LAST_ID = re.compile(r"[0-9]{1,18}")


def clock_changed(emulator: Emulator, cause: str) -> None:
    """Publish the clock as it now is (after a mode change, an advance, a step, a reset, a wait)."""
    clock = emulator.clock
    emulator.feed.publish(
        "clock.changed",
        {"mode": clock.mode, "speed": clock.speed, "now": iso(clock.now()), "unix": clock.now(), "cause": cause},
    )


def state_replaced(emulator: Emulator, cause: str) -> None:
    """A reset or an imported snapshot: every earlier call, org and delivery is gone."""
    emulator.feed.publish("emulator.reset", {"cause": cause, "default_org_id": emulator.default_org.id})
    clock_changed(emulator, cause)


def payload(item: Item, present: Callable[[Any], Any]) -> bytes:
    """The item's ``data`` object as JSON: the record in the shape its own route answers
    (``present``: the dialect's call, for an event)."""
    subject = item.subject
    if isinstance(subject, Event):
        model: Any = present(subject.call)
    elif item.type == "delivery.attempt":  # the log's record is its own answer
        return bytes(ATTEMPT.dump_json(subject))
    elif item.type == "sink.received":  # so is a sink's, less its arrival order
        return bytes(wire.RECEIVED.dump_json(subject))
    else:
        return json.dumps(subject, separators=(",", ":")).encode()
    return bytes(model.__pydantic_serializer__.to_json(model))


def render(feed: Feed, item: Item, present: Callable[[Any], Any]) -> bytes:
    """The SSE message, rendered once per item however many readers it has."""
    if item.text is None:
        head = json.dumps(
            {
                "id": item.seq,
                "type": item.type,
                "org_id": item.org_id,
                "call_id": item.call_id,
                "created": iso(item.created),
                "wall": iso(item.wall),
            },
            separators=(",", ":"),
        )
        data = head[:-1].encode() + b',"data":' + payload(item, present) + b"}"
        feed.rendered(item, b"id: %d\nevent: %s\ndata: %s\n\n" % (item.seq, item.type.encode(), data))
    assert item.text is not None  # rendered just now, or before
    return item.text


def message(event: str, data: dict[str, Any]) -> bytes:
    """A message without an ``id:`` (it is about the stream, so it does not move the resume point)."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def type_filter(request: Request) -> Callable[[str], bool] | None:
    raw = request.query_params.get("type")
    if raw is None:
        return None
    wanted = [t.strip() for t in raw.split(",") if t.strip()]
    types = (*http.emulator(request).profile.event_types, *OTHER_TYPES)  # the dialect's events, then ours
    families = tuple(sorted({t.split(".")[0] + ".*" for t in types}))
    unknown = [t for t in wanted if t not in types and t not in families]
    if unknown or not wanted:
        raise InvalidRequest(
            f"type: {', '.join(map(repr, unknown)) or 'empty'} is not an event type; give one or "
            f"more (comma-separated) of {', '.join(types)}, or a family like {', '.join(families)}"
        )
    exact = {t for t in wanted if t in types}
    families = tuple(t[:-1] for t in wanted if t in families)
    return lambda t: t in exact or t.startswith(families)


def resume_point(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if raw is None:
        return None
    if not LAST_ID.fullmatch(raw.strip()):
        raise InvalidRequest(
            f"Last-Event-ID: {raw[:40]!r} is not an event id (a whole number from a previous id: line)"
        )
    return int(raw)


def matcher(request: Request) -> Callable[[Item], bool] | None:
    http.only_params(request, "org_id", "call_id", "type", "last_event_id", "token")
    org_id, call_id = http.query_id(request, "org_id"), http.query_id(request, "call_id")
    types = type_filter(request)
    if org_id is None and call_id is None and types is None:
        return None  # every item: no call per item
    # Strict: an org or call filter keeps only items of that org or call (clock changes belong to none).
    return lambda i: (
        (org_id is None or i.org_id == org_id)
        and (call_id is None or i.call_id == call_id)
        and (types is None or types(i.type))
    )


async def stream(request: Request) -> Any:
    match, after = matcher(request), resume_point(request)
    events = EventStream()
    try:  # subscribed before the answer starts: nothing published from here on is lost
        events.reader, events.missed = http.emulator(request).feed.subscribe(match, events.poke, after)
    except TooManyReaders as exc:
        return error_response(503, str(exc))
    events.feed, events.after = http.emulator(request).feed, after
    events.present = http.dialect(request).call_out
    return events


class EventStream:
    """A pure ASGI response: subscribes before it answers, so nothing published after the
    request arrived is lost; ends when the client goes, on overflow and on shutdown."""

    feed: Feed
    present: Callable[[Any], Any]  # the dialect's call model
    reader: Reader
    missed: int
    after: int | None

    def __init__(self) -> None:
        self.wake = asyncio.Event()  # something to send
        self.halted = False  # the client left, or the reader was cut off
        self.left = False
        self.last_id: int | None = None  # of the last message handed to the server
        self.task: asyncio.Task[Any] | None = None  # the one answering: cancelled to drop a stalled reader
        self.sending = False  # a send is under way (waiting on a full socket, perhaps)
        self.dropping = False
        self.drop_timer: asyncio.TimerHandle | None = None

    def poke(self) -> None:
        self.wake.set()
        if self.reader.ended is not None:
            self._stopped()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reader, missed = self.reader, self.missed
        self.task = asyncio.current_task()
        watcher = asyncio.ensure_future(self._watch(receive))
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-store"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            head = b"retry: 1000\n\n" + message("ready", {"last_id": self.feed.last_seq})
            if missed:
                head += message(
                    "gap",
                    {
                        "missed": None if missed < 0 else missed,
                        "after": self.after,
                        "reason": (
                            "the id is newer than any event of this run (the emulator restarted?): replaying the buffer"
                            if missed < 0
                            else f"{missed} events after id {self.after} are no longer buffered"
                        ),
                    },
                )
            await self._send(send, head)
            await self._pump(reader, send)
        finally:
            self.feed.unsubscribe(reader)
            watcher.cancel()
            if self.drop_timer is not None:
                self.drop_timer.cancel()

    async def _pump(self, reader: Reader, send: Send) -> None:
        while not self.left:
            if reader.ended is not None:  # cut off (what is still queued is dropped: resume fetches it) or shutdown
                if reader.ended == "lagged":
                    await self._send(
                        send,
                        message(
                            "overflow",
                            {
                                "reason": f"this reader fell further behind than the feed holds ({self.feed.size} events, "
                                f"{self.feed.max_bytes // 2**20} MiB) and was cut off",
                                "last_id": self.last_id,
                                "resume": "reconnect with Last-Event-ID set to the last id received",
                            },
                        ),
                    )
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            batch = self._batch(reader)
            if batch:
                await self._send(send, batch)
            else:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(KEEPALIVE):
                        await self.wake.wait()
                        continue
                await self._send(send, b": keepalive\n\n")

    def _batch(self, reader: Reader) -> bytes:
        """The reader's next messages (replayed or live alike), up to about BATCH_BYTES: the
        server buffers at most that much before a send waits for the client."""
        feed, present = self.feed, self.present
        parts, last = feed.take(reader, BATCH_BYTES, lambda item: render(feed, item, present))
        if last is not None:
            self.last_id = last
        return b"".join(parts)

    async def _send(self, send: Send, body: bytes) -> None:
        """Send, unless the client stopped reading and its reader was cut off meanwhile:
        then drop the connection (a reader that never reads must not hold one open).

        The send is awaited directly (it returns at once unless the socket is full); a stop
        while it waits arms a drop after DROP_GRACE (``_stopped``) that cancels this task."""
        self.sending = True
        if self.halted:  # the overflow notice, say: it gets the same grace
            self._arm_drop()
        try:
            await send({"type": "http.response.body", "body": body, "more_body": True})
        except asyncio.CancelledError:
            if self.dropping and self.task is not None:  # our own drop, not the server's cancellation
                self.task.uncancel()
                raise ConnectionDropped("event-stream reader stopped reading") from None
            raise
        finally:
            self.sending = False

    def _stopped(self) -> None:
        """The client left or its reader was cut off: a send still waiting on a full socket, or
        any later one, gets DROP_GRACE to finish, then the connection is dropped."""
        self.halted = True
        if self.sending:
            self._arm_drop()

    def _arm_drop(self) -> None:
        if self.drop_timer is None and self.task is not None:
            self.drop_timer = asyncio.get_running_loop().call_later(DROP_GRACE, self._drop)

    def _drop(self) -> None:
        if self.sending and self.task is not None:
            self.dropping = True
            self.task.cancel()

    async def _watch(self, receive: Receive) -> None:
        message_: Message = {}
        while message_.get("type") != "http.disconnect":
            message_ = await receive()
        self.left = True
        self.wake.set()
        self._stopped()


routes = [http.route("/_emulator/events/stream", get=stream)]

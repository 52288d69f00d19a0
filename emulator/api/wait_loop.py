"""How a server-side wait runs, apart from what it waits for (emulator/api/waits.py).

A wait is a ``Check`` (an answer once decided, else None) and an ``explain`` for when it
gives up. Under the manual clock it steps virtual time instant by instant
(``Emulator.step_async``), checking after each; under the realtime clock it long-polls,
woken by the feed (emulator/domain/events.py). Kept apart from the routes because this
loop is the same for every condition: a call's status or event, a webhook at a sink.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from emulator.api import stream
from emulator.api.wire.common import iso
from emulator.clock import LATEST
from emulator.domain.events import Item, Reader, TooManyReaders
from emulator.runtime import Emulator

Check = Callable[[], "Response | None"]  # an answer once decided (reached, or impossible), else None


class Failed(Exception):
    """The wait ends without what it waited for: ``status`` 408 or 409, and the answer's fields."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body["error"])
        self.status, self.body = status, body


async def wait(
    emulator: Emulator,
    check: Check,
    explain: Callable[[], str],
    relevant: Callable[[Item], bool],
    max_seconds: float,
    timeout: float,
) -> Response:
    try:
        if emulator.clock.mode == "manual":
            return await _step(emulator, check, explain, max_seconds)
        return await _poll(emulator, check, explain, relevant, max_seconds, timeout)
    except Failed as failed:
        return JSONResponse(failed.body, failed.status)


async def _step(emulator: Emulator, check: Check, explain: Callable[[], str], max_seconds: float) -> Response:
    await emulator.settle()  # webhook attempts already under way land first
    start = emulator.clock.now()
    deadline = min(start + max_seconds, LATEST)
    try:
        while (found := check()) is None:
            due = emulator.scheduler.next_due()
            if due is None:
                raise Failed(409, {"error": explain() + "; nothing more is scheduled, so it never will"})
            if due > deadline:
                emulator.clock.set(deadline)
                raise Failed(
                    408,
                    {
                        "error": explain() + f"; not within max_seconds ({max_seconds:g} s of virtual "
                        f"time; the next scheduled job is at {iso(due)})"
                    },
                )
            await emulator.step_async()
        return found
    finally:
        if emulator.clock.now() != start:
            stream.clock_changed(emulator, "wait")


async def _poll(
    emulator: Emulator,
    check: Check,
    explain: Callable[[], str],
    relevant: Callable[[Item], bool],
    max_seconds: float,
    timeout: float,
) -> Response:
    woken = asyncio.Event()
    try:  # a reader only to be woken: the loop skims what it missed for anything relevant
        reader, _ = emulator.feed.subscribe(relevant, woken.set)
    except TooManyReaders as exc:
        return JSONResponse({"error": f"{exc} (long-polling waits count too)"}, 503)
    loop = asyncio.get_running_loop()
    until_wall, until_virtual = loop.time() + timeout, emulator.clock.now() + max_seconds
    try:
        while (found := check()) is None:
            if reader.ended == "shutdown":
                return JSONResponse({"error": explain() + "; the emulator is shutting down"}, 503)
            if reader.ended == "lagged":  # more happened than the ring holds: look again, from now on
                emulator.feed.unsubscribe(reader)
                reader, _ = emulator.feed.subscribe(relevant, woken.set)
            if emulator.clock.now() >= until_virtual:
                raise Failed(
                    408,
                    {
                        "error": explain() + f"; not within max_seconds ({max_seconds:g} s of virtual "
                        "time, realtime clock)"
                    },
                )
            left = until_wall - loop.time()
            if left <= 0:
                raise Failed(
                    408,
                    {
                        "error": explain() + f"; gave up after {timeout:g} s of real time "
                        "(realtime clock; the request's timeout)"
                    },
                )
            # Run what is due (in-process no driver would), then wait for news or the next job.
            emulator.run_due()
            due = emulator.scheduler.next_due()
            pause = min(left, 0.25, *([emulator.clock.seconds_until(due)] if due is not None else []))
            await _news(emulator, reader, woken, loop.time() + pause)
        return found
    finally:
        emulator.feed.unsubscribe(reader)


async def _news(emulator: Emulator, reader: Reader, woken: asyncio.Event, until: float) -> None:
    """Wait until something relevant is published (or ``until``, by the loop's clock): woken by
    every publish, it looks at the new items and sleeps on when none is about the call or sink."""
    loop = asyncio.get_running_loop()
    while reader.ended is None and not _skim(emulator, reader) and (rest := until - loop.time()) > 0:
        woken.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(rest):
                await woken.wait()


def _skim(emulator: Emulator, reader: Reader) -> bool:
    """Whether the reader has a relevant item it has not looked at (its cursor moves past them)."""
    found = False
    while emulator.feed.next(reader) is not None:
        found = True
    return found

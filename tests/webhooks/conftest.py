"""Webhook delivery tests: real receivers on loopback ports, an emulator on a manual clock.

``receiver()`` starts a small starlette app under uvicorn on a free 127.0.0.1 port
in a background thread. It records every request (headers, raw body, wall time)
and answers as the test says: a status (or a script of statuses), a delay, a
redirect. ``hangup_server`` is a plain asyncio server in the test's loop that
reads the request and closes the connection without answering; ``closed_url``
is a loopback port nobody listens on.

Nothing here sleeps to wait: ``POST /_emulator/clock/advance`` awaits every
webhook attempt it starts before it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import HangupServer, Receiver, read_request


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """``receiver(status=..., delay=..., ...)``: a started Receiver, stopped at teardown."""
    started: list[Receiver] = []

    def make(**settings: Any) -> Receiver:
        r = Receiver(**settings).start()
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()


@pytest.fixture
async def hangup_server() -> AsyncIterator[HangupServer]:
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            requests.append(await read_request(reader))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:  # also when the test's loop cancels this handler on its way out
            writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield HangupServer(f"http://127.0.0.1:{port}/hook", requests)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def emulator(config: Config) -> AsyncIterator[Emulator]:
    """The shared fixture's Emulator, with its webhook HTTP clients closed at teardown."""
    emulator = Emulator(config)
    yield emulator
    await emulator.transport.aclose()

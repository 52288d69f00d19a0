"""Serving an Emulator over real HTTP with uvicorn (the only module that imports it)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from typing import AsyncIterator, Callable

import uvicorn

from emulator.api.app import create_app
from emulator.runtime import Emulator


class PortInUse(Exception):
    pass


def bind(host: str, port: int) -> socket.socket:
    """Bind first, so a busy port is a one-line error and port 0 is known before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use; pick another with --port (0 = any free port)")
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def _drive(emulator: Emulator) -> None:
    """Realtime driver: run scheduler jobs as virtual time reaches them."""
    while True:
        emulator.run_due()
        due = emulator.scheduler.next_due()
        wait = 0.05 if due is None else min(0.05, emulator.clock.seconds_until(due))
        await asyncio.sleep(wait)


def lifespan_for(emulator: Emulator) -> Callable:
    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
        task = asyncio.create_task(_drive(emulator))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan


def make_server(emulator: Emulator, sock: socket.socket, log_level: str = "warning") -> uvicorn.Server:
    app = create_app(emulator, lifespan=lifespan_for(emulator))
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on")
    return uvicorn.Server(config)


def serve(emulator: Emulator, sock: socket.socket, on_ready: Callable[[], None] | None = None) -> None:
    """Blocking. Ctrl-C and SIGTERM stop it cleanly (uvicorn handles both)."""
    server = make_server(emulator, sock)

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started and on_ready is not None:
            on_ready()
        await task

    asyncio.run(main())

"""Serving an Emulator over real HTTP with uvicorn (the only module that imports it)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Self

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from emulator import heap
from emulator.api import guard, state
from emulator.api.app import create_app
from emulator.api.faults import QUIET_DROPS
from emulator.connections import more_files, protocol_class
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
            raise PortInUse(
                f"port {port} on {host} is already in use; pick another with --port (0 = any free port)"
            ) from None
        raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class _Alarm:
    """The driver's sleep: until a deadline, or until a job is scheduled that is due sooner.

    A bare future and one timer per sleep: ``asyncio.wait_for`` on an event makes a task per
    sleep, and every placed call schedules a job (a wake per POST under load). A job due after
    the planned wake-up does not wake the driver at all."""

    def __init__(self, loop: asyncio.AbstractEventLoop, emulator: Emulator) -> None:
        self.loop, self.clock = loop, emulator.clock
        self.future: asyncio.Future[None] | None = None
        self.until = 0.0  # loop time of the planned wake-up

    def scheduled(self, due: float) -> None:
        future = self.future
        if future is not None and not future.done() and self.loop.time() + self.clock.seconds_until(due) < self.until:
            future.set_result(None)

    async def sleep(self, seconds: float) -> None:
        self.future = future = self.loop.create_future()
        self.until = self.loop.time() + seconds
        timer = self.loop.call_later(seconds, _settle, future)
        try:
            await future
        finally:
            timer.cancel()
            self.future = None


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _drive(emulator: Emulator) -> None:
    """Realtime driver: run scheduler jobs as virtual time reaches them.

    It sleeps until the next job is due (at most 0.25 s), and is woken when a sooner one is
    scheduled (a new call), so a high ``--speed`` stays on time.
    """
    alarm = _Alarm(asyncio.get_running_loop(), emulator)
    emulator.scheduler.on_schedule = alarm.scheduled
    try:
        while True:
            emulator.run_due()
            due = emulator.scheduler.next_due()
            await alarm.sleep(0.25 if due is None else min(0.25, emulator.clock.seconds_until(due)))
    finally:
        emulator.scheduler.on_schedule = None


async def _autosave(emulator: Emulator, path: str, every: float, stop: asyncio.Event) -> None:
    """Save the state every ``every`` seconds (0: never), so a crash loses at most that
    much, and once more when ``stop`` is set. Captured on the loop, encoded and written in a thread."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every if every > 0 else None)
        last = stop.is_set()  # encoded after the stop (even if a periodic save was under way): final
        try:
            await state.save_state_file_async(emulator, path)
        except Exception as exc:  # a full disk must not stop the server; say so and go on
            print(f"callingbox-emulator: could not save the state to {path}: {exc}", file=sys.stderr, flush=True)
        if last:
            return


def lifespan_for(emulator: Emulator) -> Callable[[object], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[None]:
        task = asyncio.create_task(_drive(emulator))
        stop, path = asyncio.Event(), emulator.config.state_file
        saver = asyncio.create_task(_autosave(emulator, path, emulator.config.state_interval, stop)) if path else None
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if saver is not None:  # the last save, after the driver stopped moving the state
                stop.set()
                await saver
            await emulator.transport.aclose()

    return lifespan


class _Server(uvicorn.Server):
    """uvicorn re-raises a caught SIGINT/SIGTERM once it has shut down, so the process
    dies of the signal (exit -15) or with a KeyboardInterrupt traceback. A signal is the
    normal way to stop the emulator: shut down, restore the handlers, return (exit 0).

    uvicorn waits for every open response before it stops: ``before_shutdown`` ends the
    long-lived ones (event streams, long-polling waits) first."""

    before_shutdown: list[Callable[[], None]] = []
    control_token: str | None = None  # the one the control plane requires (emulator/api/guard.py)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for fn in self.before_shutdown:
            fn()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def _protocol(header_timeout: float) -> type[asyncio.Protocol]:
    """uvicorn's own protocol (httptools, else h11) with the header deadline, size and connection caps."""
    return protocol_class(AutoHTTPProtocol, header_timeout)


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(
    emulator: Emulator, sock: socket.socket, log_level: str = "warning", host: str | None = None
) -> _Server:
    """``host``: the name the socket was bound for (served as a Host name besides its address).
    Bound beyond loopback with no control token set, one is generated: ``server.control_token``."""
    policy = guard.policy_for(emulator.config, (sock.getsockname()[0], *([host] if host else [])))
    app = create_app(emulator, emulator.config.dialect or None, lifespan=lifespan_for(emulator), policy=policy)
    # Webhooks to the emulator's own sinks go straight to the app, no socket.
    base_url = base_url_of(sock)
    emulator.base_url = base_url
    emulator.transport.mount(base_url, app)
    if base_url.startswith("http://127.0.0.1:"):
        emulator.transport.mount(base_url.replace("127.0.0.1", "localhost"), app)
    config = uvicorn.Config(
        app, log_level=log_level, access_log=False, lifespan="on", http=_protocol(emulator.config.header_timeout)
    )
    logging.getLogger("uvicorn.error").addFilter(QUIET_DROPS)  # an injected drop is not an error
    server = _Server(config)
    server.before_shutdown = [emulator.feed.close]
    server.control_token = policy.token
    return server


def serve(
    emulator: Emulator, sock: socket.socket, on_ready: Callable[[], None] | None = None, host: str | None = None
) -> None:
    """Blocking. Ctrl-C and SIGTERM stop it cleanly (uvicorn handles both)."""
    more_files()  # first: the connection cap follows from the limit
    server = make_server(emulator, sock, host=host)

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        if server.started and on_ready is not None:
            on_ready()
        await task

    heap.install()  # start-up's objects, then each full collection's survivors, stay out of later collections
    _run(server, main())


def _run(server: uvicorn.Server, main: Coroutine[Any, Any, None]) -> None:
    """Run on uvicorn's loop (uvloop when installed, as the `uvicorn` command does);
    a bare asyncio.run() would always take the slower asyncio loop."""
    with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
        runner.run(main)


class AppThread:
    """An ASGI app served on a loopback port (default: any free one) from a background thread.

    ``start`` returns once the server answers; ``stop`` shuts it down cleanly.
    """

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = bind(host, port)
        self.base_url = base_url_of(self._sock)
        self._server = self._make_server(app)
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._error: BaseException | None = None

    def _make_server(self, app: Any) -> _Server:
        return _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))

    def _run(self) -> None:
        try:
            _run(self._server, self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # surfaced by start()/stop()
            self._error = exc

    def start(self, timeout: float = 10.0) -> Self:
        import time

        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if self._error is not None or not self._thread.is_alive():
                raise RuntimeError(f"{type(self).__name__} failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{type(self).__name__} did not start in time")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ServerThread(AppThread):
    """An emulator served from a background thread, for clients that need a real URL
    (the official SDK, its CLI)."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        super().__init__(None, host, port)

    def _make_server(self, app: Any) -> _Server:
        return make_server(self.emulator, self._sock)

    @property
    def control_token(self) -> str | None:
        """The token the control plane requires (None on loopback unless the config sets one)."""
        return self._server.control_token

"""Real HTTP POSTs for webhook attempts (async, pooled, bounded): http:// through the lean
client in http1.py, https:// and the in-process mounts through httpx.

Outcomes are plain data; the dispatcher decides what they mean. Redirects are
not followed: a 3xx is a failed attempt, as in production. At most
MAX_IN_FLIGHT attempts are sent at once. Each origin (scheme, host, port) has
its own adaptive cap, like TCP's congestion window: it starts at START_CAP, grows
by one with each answer (any HTTP status: the receiver is alive) up to PER_ORIGIN,
and halves (down to SMALL_CAP) with each attempt that times out or fails to
connect. A healthy receiver that is sometimes slow keeps up to PER_ORIGIN attempts
going; one that never answers holds START_CAP slots until its first attempts time
out, then SMALL_CAP, and everyone else's webhooks keep going out. An origin with
nothing in flight is forgotten (the dict stays bounded) and starts again at START_CAP.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from emulator.webhooks import http1, http1_answer

if TYPE_CHECKING:
    import httpx

MAX_IN_FLIGHT = 64
PER_ORIGIN = 32  # attempts in flight to one healthy origin
START_CAP = 8  # to an origin not yet heard from
SMALL_CAP = 2  # to an origin whose attempts time out or fail to connect
RESPONSE_KEEP = 2048  # bytes of each response body kept for inspection


@dataclass(slots=True)
class Outcome:
    status: int | None
    error: str | None
    latency_ms: float
    response_body: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Poster(Protocol):
    """What the dispatcher sends attempts through: a Transport, or a stand-in for one (the
    contract check around it, a replay's recorded answers)."""

    timeout: float

    def mount(self, base_url: str, app: Any) -> None: ...

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], on_slot: Callable[[], object] | None = None
    ) -> Outcome: ...

    async def aclose(self) -> None: ...


class Transport:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._mounts: dict[str, Any] = {}
        self._clients: dict[str | None, httpx.AsyncClient] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gate: asyncio.Semaphore | None = None
        self._origins: dict[str, OriginGate] = {}  # origins with an attempt waiting or in flight
        self._lean = http1.Client(keep=RESPONSE_KEEP)

    def mount(self, base_url: str, app: Any) -> None:
        """Serve URLs under ``base_url`` from ``app`` in-process (the emulator's own sinks)."""
        self._mounts[base_url.rstrip("/")] = app

    def _client_for(self, url: str) -> httpx.AsyncClient | http1.Client:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # clients and locks belong to one loop
            self._clients, self._loop, self._gate = {}, loop, asyncio.Semaphore(MAX_IN_FLIGHT)
            self._origins = {}
            with contextlib.suppress(RuntimeError):  # its loop is closed: so are its sockets' reads, and GC frees them
                self._lean.close()
            self._lean = http1.Client(keep=RESPONSE_KEEP)
        key = next((base for base in self._mounts if url.startswith(base + "/")), None)
        if key is None and url[:7].lower() == "http://":
            return self._lean  # plain HTTP to a receiver: the lean client (httpx: mounts and https)
        import httpx  # only here (https://, mounts): keeps ~50 ms of imports out of start-up

        client = self._clients.get(key)
        if client is None:
            transport = httpx.ASGITransport(app=self._mounts[key]) if key else None
            client = httpx.AsyncClient(  # identity: the kept start of an answer is text, as over http://
                transport=transport,
                timeout=self.timeout,
                follow_redirects=False,
                headers={"Accept-Encoding": "identity"},
                limits=httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT),
            )
            self._clients[key] = client
        return client

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], on_slot: Callable[[], object] | None = None
    ) -> Outcome:
        """``on_slot`` is called once the origin gave this attempt a slot: until then, cancelling
        the caller sends nothing."""
        client = self._client_for(url)
        origin = _origin(url)
        gate = self._origins.get(origin) or self._origins.setdefault(origin, OriginGate())
        gate.users += 1
        try:
            await gate.acquire()  # first the origin's slot: waiting for it holds none of the shared ones
            outcome = None
            if on_slot is not None:
                on_slot()
            try:
                outcome = await self._post_gated(client, url, body, headers)
                return outcome
            finally:
                gate.release(outcome)
        finally:
            gate.users -= 1
            if not gate.users:
                del self._origins[origin]

    def origin_caps(self) -> dict[str, tuple[int, int]]:
        """``origin -> (cap, in flight)`` for origins in use (tests, diagnostics)."""
        return {origin: (g.cap, g.in_flight) for origin, g in self._origins.items()}

    async def _post_gated(
        self, client: httpx.AsyncClient | http1.Client, url: str, body: bytes, headers: dict[str, str]
    ) -> Outcome:
        assert self._gate is not None
        async with self._gate:
            started = time.perf_counter()
            if isinstance(client, http1.Client):
                return await self._post_lean(client, url, body, headers, started)
            import httpx

            try:
                status, text = await asyncio.wait_for(_post_httpx(client, url, body, headers), self.timeout)
            except (TimeoutError, httpx.TimeoutException):  # the timeout bounds the whole attempt
                return Outcome(None, f"timeout after {self.timeout:g} s", _ms(started))
            except httpx.ConnectError as exc:
                return Outcome(None, f"connection failed: {exc or 'refused'}", _ms(started))
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                return Outcome(None, f"connection closed by the receiver: {exc}", _ms(started))
            except httpx.HTTPError as exc:
                return Outcome(None, f"{type(exc).__name__}: {exc}", _ms(started))
            except Exception as exc:  # e.g. a host httpx cannot encode (IDNAError): a failed attempt, not a lost one
                return Outcome(None, f"request failed: {type(exc).__name__}: {exc}", _ms(started))
        error = None if 200 <= status < 300 else f"receiver answered HTTP {status}"
        return Outcome(status, error, _ms(started), text)

    async def _post_lean(
        self, client: http1.Client, url: str, body: bytes, headers: dict[str, str], started: float
    ) -> Outcome:
        try:
            async with asyncio.timeout(self.timeout):  # no extra task per attempt, unlike wait_for
                answer = await client.post(url, body, headers)
        except TimeoutError:
            return Outcome(None, f"timeout after {self.timeout:g} s", _ms(started))
        except http1.ConnectFailed as exc:
            return Outcome(None, f"connection failed: {exc}", _ms(started))
        except http1_answer.ProtocolError as exc:  # its message says what went wrong
            return Outcome(None, str(exc), _ms(started))
        except Exception as exc:  # a failed attempt, not a lost one
            return Outcome(None, f"request failed: {type(exc).__name__}: {exc}", _ms(started))
        error = None if 200 <= answer.status < 300 else f"receiver answered HTTP {answer.status}"
        return Outcome(answer.status, error, _ms(started), answer.text[:RESPONSE_KEEP])

    async def aclose(self) -> None:
        self._lean.close()
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class OriginGate:
    """One origin's adaptive slots (module doc): waiters are served in order."""

    __slots__ = ("cap", "in_flight", "users", "_waiters")

    def __init__(self) -> None:
        self.cap = START_CAP
        self.in_flight = 0
        self.users = 0  # attempts waiting or in flight: the gate is dropped at 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        if self.in_flight < self.cap and not self._waiters:
            self.in_flight += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # release counted us in flight when it woke us
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.in_flight -= 1  # woken and cancelled at once: hand the slot on
                self._wake()
            else:
                self._waiters.remove(waiter)
            raise

    def release(self, outcome: Outcome | None) -> None:
        self.in_flight -= 1
        if outcome is not None and outcome.status is not None:
            self.cap = min(PER_ORIGIN, self.cap + 1)  # it answered: alive
        elif outcome is not None and outcome.error and outcome.error.startswith(_UNHEALTHY):
            self.cap = max(SMALL_CAP, self.cap // 2)
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.cap:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)


_UNHEALTHY = ("timeout after", "connection failed")


async def _post_httpx(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """Status and the kept start of the body; raw bytes past http1_answer.MAX_BODY are not read (nor inflated)."""
    async with client.stream("POST", url, content=body, headers=headers) as response:
        kept, total = bytearray(), 0
        async for chunk in response.aiter_raw():
            total += len(chunk)
            kept += chunk[: max(0, RESPONSE_KEEP - len(kept))]
            if total > http1_answer.MAX_BODY:
                break
        answer = http1_answer.Answer(response.status_code, bytes(kept), response.charset_encoding or "utf-8")
    return answer.status, answer.text[:RESPONSE_KEEP]


def _origin(url: str) -> str:
    """``scheme://host:port`` of a URL, lower-cased (the unit of the per-destination cap)."""
    try:
        scheme, host, port, _, _ = http1.split(url)
    except ValueError:  # a port the client will refuse anyway: its own origin
        return url.lower()
    return f"{scheme}://{host}:{port}"


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)

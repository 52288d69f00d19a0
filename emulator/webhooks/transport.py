"""Real HTTP POSTs for webhook attempts (async, pooled, bounded): http:// through the lean
client in http1.py, https:// and the in-process mounts through httpx.

Outcomes are plain data; the dispatcher decides what they mean. Redirects are
not followed: a 3xx is a failed attempt, as in production. At most
MAX_IN_FLIGHT attempts are sent at once, and at most PER_ORIGIN of them to one
origin (scheme, host, port), so a receiver that never answers holds a few
slots, never all of them: everyone else's webhooks keep going out.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.webhooks import http1

if TYPE_CHECKING:
    import httpx

MAX_IN_FLIGHT = 64
PER_ORIGIN = 8  # attempts in flight to one origin
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


class Transport:
    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout
        self._mounts: dict[str, Any] = {}
        self._clients: dict[str | None, "httpx.AsyncClient"] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._gate: asyncio.Semaphore | None = None
        self._origins: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}  # origin -> (gate, [users])
        self._lean = http1.Client(keep=RESPONSE_KEEP)

    def mount(self, base_url: str, app: Any) -> None:
        """Serve URLs under ``base_url`` from ``app`` in-process (the emulator's own sinks)."""
        self._mounts[base_url.rstrip("/")] = app

    def _client_for(self, url: str) -> "httpx.AsyncClient | http1.Client":
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # clients and locks belong to one loop
            self._clients, self._loop, self._gate = {}, loop, asyncio.Semaphore(MAX_IN_FLIGHT)
            self._origins = {}
            try:
                self._lean.close()
            except RuntimeError:  # its loop is closed: so are its sockets' reads, and GC frees them
                pass
            self._lean = http1.Client(keep=RESPONSE_KEEP)
        key = next((base for base in self._mounts if url.startswith(base + "/")), None)
        if key is None and url[:7].lower() == "http://":
            return self._lean  # plain HTTP to a receiver: the lean client (httpx: mounts and https)
        import httpx  # only here (https://, mounts): keeps ~50 ms of imports out of start-up

        client = self._clients.get(key)
        if client is None:
            transport = httpx.ASGITransport(app=self._mounts[key]) if key else None
            client = httpx.AsyncClient(  # identity: the kept start of an answer is text, as over http://
                transport=transport, timeout=self.timeout, follow_redirects=False,
                headers={"Accept-Encoding": "identity"},
                limits=httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT),
            )
            self._clients[key] = client
        return client

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        client = self._client_for(url)
        origin = _origin(url)
        gate, users = self._origins.get(origin) or self._origins.setdefault(
            origin, (asyncio.Semaphore(PER_ORIGIN), [0]))
        users[0] += 1
        try:
            async with gate:  # first the origin's slot: waiting for it holds none of the shared ones
                return await self._post_gated(client, url, body, headers)
        finally:
            users[0] -= 1
            if not users[0]:
                del self._origins[origin]

    async def _post_gated(self, client: "httpx.AsyncClient | http1.Client", url: str, body: bytes,
                          headers: dict[str, str]) -> Outcome:
        assert self._gate is not None
        async with self._gate:
            started = time.perf_counter()
            if isinstance(client, http1.Client):
                return await self._post_lean(client, url, body, headers, started)
            import httpx

            try:
                status, text = await asyncio.wait_for(_post_httpx(client, url, body, headers), self.timeout)
            except (httpx.TimeoutException, asyncio.TimeoutError):  # the timeout bounds the whole attempt
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

    async def _post_lean(self, client: http1.Client, url: str, body: bytes, headers: dict[str, str],
                         started: float) -> Outcome:
        try:
            async with asyncio.timeout(self.timeout):  # no extra task per attempt, unlike wait_for
                answer = await client.post(url, body, headers)
        except TimeoutError:
            return Outcome(None, f"timeout after {self.timeout:g} s", _ms(started))
        except http1.ConnectFailed as exc:
            return Outcome(None, f"connection failed: {exc}", _ms(started))
        except http1.ProtocolError as exc:  # its message says what went wrong
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


async def _post_httpx(client: "httpx.AsyncClient", url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """Status and the kept start of the body; raw bytes past http1.MAX_BODY are not read (nor inflated)."""
    async with client.stream("POST", url, content=body, headers=headers) as response:
        kept, total = bytearray(), 0
        async for chunk in response.aiter_raw():
            total += len(chunk)
            kept += chunk[: max(0, RESPONSE_KEEP - len(kept))]
            if total > http1.MAX_BODY:
                break
        answer = http1.Answer(response.status_code, bytes(kept), response.charset_encoding or "utf-8")
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

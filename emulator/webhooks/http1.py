"""A lean HTTP/1.1 client for webhook POSTs to ``http://`` URLs.

One request at a time per connection, keep-alive connections pooled per origin, no
redirects, cookies or proxies: all a webhook attempt needs, at a fraction of httpx's
CPU per request (BENCHMARKS.md). ``https://`` stays on httpx (transport.py).

Answers are read, bounded, by httptools in emulator/webhooks/http1_answer.py. The pool is
bounded per origin, in total and in idle time; a pooled connection the receiver closes, or
writes to unasked, is closed at once (no CLOSE_WAIT).
"""

from __future__ import annotations

import asyncio
from typing import cast
from urllib.parse import urlsplit

from emulator.webhooks.http1_answer import Answer, Reading, Unanswered

CHUNK = 65536
MAX_IDLE_PER_ORIGIN = 32  # a healthy origin's concurrency cap (transport.PER_ORIGIN): more idle ones never get used
MAX_IDLE = 64  # pooled connections in all; past it the longest idle one is closed
IDLE_TIMEOUT = 5.0  # seconds a pooled connection may sit unused
SWEEP_EVERY = 1.0  # how often idle connections are checked while any are pooled

Origin = tuple[str, int]
Target = tuple[str, str, int, str, str]  # scheme, host, port, Host header, request target
_targets: dict[str, Target] = {}  # split() memo: a receiver's URL is seen on every attempt


class ConnectFailed(Exception):
    """No connection could be made (refused, unreachable, unknown host)."""


class _Conn(asyncio.Protocol):
    """One connection: feeds what arrives to the answer being read; closes itself when idle and poked."""

    __slots__ = ("transport", "reading", "idle_since", "dead")

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reading: Reading | None = None
        self.idle_since, self.dead = 0.0, False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # a TCP connection's: it reads and writes

    def data_received(self, data: bytes) -> None:
        if self.reading is None:
            return self.close()  # unasked bytes while pooled: the next answer would be garbled
        self.reading.feed(data)

    def eof_received(self) -> bool:
        if self.reading is not None:
            self.reading.eof()
        self.close()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.dead = True
        if self.reading is not None:
            self.reading.eof()

    def close(self) -> None:
        self.dead = True
        if self.transport is not None:
            self.transport.close()


class Client:
    def __init__(self, keep: int) -> None:
        self.keep = keep  # response body bytes kept (the rest is read and dropped, up to MAX_BODY)
        self._idle: dict[Origin, list[_Conn]] = {}
        self._pooled = 0
        self._sweeper: asyncio.TimerHandle | None = None

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        scheme, host, port, host_header, target = split(url)
        if scheme != "http" or not host:
            raise ValueError(f"not an http:// URL: {url!r}")
        origin = (host, port)
        head = [
            f"POST {target} HTTP/1.1",
            f"Host: {host_header}",
            f"Content-Length: {len(body)}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        loop = asyncio.get_running_loop()
        conn = self._reuse(origin, loop)
        if conn is not None:
            try:
                return await self._exchange(origin, conn, request, loop)
            except Unanswered:  # it was closed while pooled (the race every keep-alive client has): once more
                pass
        return await self._exchange(origin, await self._connect(origin, loop), request, loop)

    async def _exchange(self, origin: Origin, conn: _Conn, request: bytes, loop: asyncio.AbstractEventLoop) -> Answer:
        reading = conn.reading = Reading(self.keep, loop.create_future())
        try:
            assert conn.transport is not None
            conn.transport.write(request)
            await reading.future
        except BaseException:  # cancelled (timeout) or failed mid-answer: the connection is unusable
            conn.close()
            raise
        conn.reading = None
        if reading.reusable and not conn.dead:
            self._park(origin, conn, loop)
        else:
            conn.close()
        return reading.answer()

    def _reuse(self, origin: Origin, loop: asyncio.AbstractEventLoop) -> _Conn | None:
        idle = self._idle.get(origin)
        oldest = loop.time() - IDLE_TIMEOUT
        while idle:
            conn = idle.pop()  # the most recently used: the likeliest to be alive
            self._pooled -= 1
            if not conn.dead and conn.idle_since > oldest:
                return conn
            conn.close()
        return None

    async def _connect(self, origin: Origin, loop: asyncio.AbstractEventLoop) -> _Conn:
        try:
            _, conn = await loop.create_connection(_Conn, *origin)
        except (OSError, UnicodeError) as exc:
            raise ConnectFailed(str(exc) or type(exc).__name__) from None
        return conn

    def _park(self, origin: Origin, conn: _Conn, loop: asyncio.AbstractEventLoop) -> None:
        idle = self._idle.setdefault(origin, [])
        if len(idle) >= MAX_IDLE_PER_ORIGIN:
            return conn.close()
        if self._pooled >= MAX_IDLE:
            self._evict_oldest()
        conn.idle_since = loop.time()
        idle.append(conn)
        self._pooled += 1
        if self._sweeper is None:
            self._sweeper = loop.call_later(SWEEP_EVERY, self._sweep, loop)

    def _evict_oldest(self) -> None:
        origin = min((o for o in self._idle if self._idle[o]), key=lambda o: self._idle[o][0].idle_since)
        self._idle[origin].pop(0).close()
        self._pooled -= 1

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close what idled too long; forget closed ones (their sockets are already released)."""
        oldest = loop.time() - IDLE_TIMEOUT
        for origin, idle in list(self._idle.items()):
            keep = [c for c in idle if not c.dead and c.idle_since > oldest]
            for conn in idle:
                if conn not in keep:
                    conn.close()
            self._pooled -= len(idle) - len(keep)
            if keep:
                self._idle[origin] = keep
            else:
                del self._idle[origin]
        self._sweeper = loop.call_later(SWEEP_EVERY, self._sweep, loop) if self._idle else None

    def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for conn in (c for conns in self._idle.values() for c in conns):
            conn.close()
        self._idle.clear()
        self._pooled = 0


def split(url: str) -> Target:
    """(scheme, host, port, Host header, request target) of a URL; ValueError on a bad port."""
    found = _targets.get(url)
    if found is None:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or (443 if scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        found = (scheme, parts.hostname or "", port, parts.netloc.rpartition("@")[2], target)
        if len(_targets) >= 1024:
            _targets.clear()
        _targets[url] = found
    return found

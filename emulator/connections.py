"""Connections the server will not keep for ever: a header deadline and size cap for uvicorn's
HTTP protocol (mixed in by emulator/server.py, the only module that imports uvicorn); past a
connection cap below the open-files limit, the connection that has waited longest for its
headers is closed for each new one; and enough file descriptors for the connections kept."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the type checker sees the protocol methods the mixin extends
    _Protocol = asyncio.Protocol
else:  # at run time the mixin goes before uvicorn's protocol class (emulator/server.py)
    _Protocol = object

MAX_HEAD = 64 * 1024  # bytes of request line and headers; the parser itself keeps any amount
RESERVED_FILES = 128  # descriptors kept free of client connections: webhook sockets, the state file


def _answer(status: bytes, error: str) -> bytes:
    body = b'{"error": "' + error.encode() + b'"}'
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\nconnection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


TIMEOUT_ANSWER = _answer(b"408 Request Timeout", "request headers not received in time; closing")
TOO_LARGE_ANSWER = _answer(b"431 Request Header Fields Too Large", f"request headers over {MAX_HEAD} bytes; closing")


class HeaderDeadline(_Protocol):
    """uvicorn's protocol with a deadline for each request's headers, which uvicorn lacks: a
    connection that opens and sends nothing, or trickles its headers (slowloris), would stay
    open for ever and hold a file descriptor. The deadline runs from the connection (or the
    first byte of the next request on a kept-alive one) until the headers are complete;
    bodies have their own deadline in the app (http.body_bytes)."""

    header_timeout = 10.0
    max_connections = 1 << 20
    waiting: dict[HeaderDeadline, None]  # one per server (see protocol_class): oldest wait first
    # Provided by the protocol class this is mixed into (uvicorn's HttpToolsProtocol or H11Protocol).
    cycle: Any
    connections: set[Any]
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._partial = False
        self._head = 0  # bytes of the headers under way
        self._arm()
        if len(self.connections) > self.max_connections:
            # Full: the one that has waited longest for its headers makes room (a slowloris, most likely).
            oldest = next(iter(self.waiting))
            if oldest is not self:
                oldest._refuse(b"")

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is None or self.cycle.response_complete:  # between requests: the next one's headers began
            self._partial = True
            self._head += len(data)
            if self._deadline is None:
                self._arm()
            if self._head > MAX_HEAD:
                self._refuse(TOO_LARGE_ANSWER)
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.header_timeout, self._expire)
        self.waiting[self] = None

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline, self._partial, self._head = None, False, 0
        self.waiting.pop(self, None)

    def _expire(self) -> None:
        self._deadline = None
        # A client that started a request gets a reason; an idle one is just closed.
        self._refuse(TIMEOUT_ANSWER if self._partial else b"")

    def _refuse(self, answer: bytes) -> None:
        self.waiting.pop(self, None)
        if not self.transport.is_closing():
            self.transport.write(answer)
            self.transport.close()


def protocol_class(base: type, header_timeout: float) -> type:
    """``base`` (uvicorn's protocol) with these limits, and a waiting list of its own."""
    return type(
        "HTTPProtocol",
        (HeaderDeadline, base),
        {"header_timeout": header_timeout, "max_connections": connection_cap(), "waiting": {}},
    )


def connection_cap() -> int:
    """Client connections that fit under the open-files limit, with RESERVED_FILES to spare."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except ImportError:  # not on this platform
        return 1 << 20
    return 1 << 20 if soft == resource.RLIM_INFINITY else max(16, soft - RESERVED_FILES)


def more_files() -> None:
    """Raise the soft open-files limit to the hard one (as Go programs do): at a 1,024 default,
    a burst of idle connections would leave no descriptor for the next real request."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ImportError, ValueError, OSError):  # not on this platform, or not allowed: keep the limit
        pass

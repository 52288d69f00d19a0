"""A lean HTTP/1.1 client for webhook POSTs to ``http://`` URLs.

One request at a time per connection, keep-alive connections pooled per origin,
no redirects, cookies or proxies: all a webhook attempt needs. httpx spent about
a millisecond of CPU per request on its pool bookkeeping and anyio wrappers,
which held deliveries to a few hundred per second (see BENCHMARKS.md); this
costs a small fraction of that. ``https://`` stays on httpx (transport.py).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

MAX_IDLE = 64  # idle keep-alive connections kept per origin
CHUNK = 65536

Origin = tuple[str, int]
Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class ConnectFailed(Exception):
    """No connection could be made (refused, unreachable, unknown host)."""


class ProtocolError(Exception):
    """The receiver closed the connection or answered something that is not HTTP/1.x."""


class Answer:
    __slots__ = ("status", "body", "charset")

    def __init__(self, status: int, body: bytes, charset: str) -> None:
        self.status, self.body, self.charset = status, body, charset

    @property
    def text(self) -> str:
        try:
            return self.body.decode(self.charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class Client:
    def __init__(self, keep: int) -> None:
        self.keep = keep  # response body bytes kept (the rest is read and dropped)
        self._idle: dict[Origin, list[Conn]] = {}

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        parts = urlsplit(url)
        host = parts.hostname
        if parts.scheme.lower() != "http" or not host:
            raise ValueError(f"not an http:// URL: {url!r}")
        origin = (host, parts.port or 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}",
                f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        conn = self._reuse(origin) or await self._connect(origin)
        try:
            answer, keep_alive = await self._exchange(conn, request)
        except BaseException:  # cancelled (timeout) or failed mid-answer: the connection is unusable
            conn[1].close()
            raise
        idle = self._idle.setdefault(origin, [])
        if keep_alive and len(idle) < MAX_IDLE:
            idle.append(conn)
        else:
            conn[1].close()
        return answer

    def _reuse(self, origin: Origin) -> Conn | None:
        idle = self._idle.get(origin)
        while idle:
            reader, writer = idle.pop()
            if not reader.at_eof() and not writer.is_closing():  # the receiver may have closed it meanwhile
                return reader, writer
            writer.close()
        return None

    async def _connect(self, origin: Origin) -> Conn:
        try:
            return await asyncio.open_connection(*origin, limit=CHUNK)
        except (OSError, UnicodeError) as exc:
            raise ConnectFailed(str(exc) or type(exc).__name__) from None

    async def _exchange(self, conn: Conn, request: bytes) -> tuple[Answer, bool]:
        reader, writer = conn
        try:
            writer.write(request)
            await writer.drain()
            while True:
                status, version, fields = await _head(reader)
                if not 100 <= status < 200 or status == 101:
                    break  # 1xx interim answers (100 Continue) precede the real one
            close = fields.get("connection", "").lower() == "close" or (
                version == "HTTP/1.0" and fields.get("connection", "").lower() != "keep-alive")
            if status in (101, 204, 304):
                body = b""
            elif "chunked" in fields.get("transfer-encoding", "").lower():
                body = await self._chunked(reader)
            elif "content-length" in fields:
                try:
                    length = int(fields["content-length"])
                except ValueError:
                    raise ProtocolError(f"bad Content-Length {fields['content-length'][:40]!r}") from None
                body = await self._exactly(reader, length)
            else:  # the body runs until the receiver closes
                body, close = await self._to_eof(reader), True
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            raise ProtocolError(str(exc) or type(exc).__name__) from None
        return Answer(status, body, _charset(fields.get("content-type", ""))), not close

    async def _exactly(self, reader: asyncio.StreamReader, length: int) -> bytes:
        kept = bytearray()
        while length > 0:
            data = await reader.readexactly(min(length, CHUNK))
            length -= len(data)
            if len(kept) < self.keep:
                kept += data[: self.keep - len(kept)]
        return bytes(kept)

    async def _chunked(self, reader: asyncio.StreamReader) -> bytes:
        kept = bytearray()
        while True:
            line = await reader.readline()
            size = int(line.split(b";", 1)[0].strip() or b"x", 16)  # ValueError: not a chunk header
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return bytes(kept)
            data = await self._exactly(reader, size)
            if len(kept) < self.keep:
                kept += data[: self.keep - len(kept)]
            await reader.readexactly(2)

    async def _to_eof(self, reader: asyncio.StreamReader) -> bytes:
        kept = bytearray()
        while data := await reader.read(CHUNK):
            if len(kept) < self.keep:
                kept += data[: self.keep - len(kept)]
        return bytes(kept)

    def close(self) -> None:
        for conns in self._idle.values():
            for _, writer in conns:
                writer.close()
        self._idle.clear()


async def _head(reader: asyncio.StreamReader) -> tuple[int, str, dict[str, str]]:
    line = await reader.readline()
    if not line:
        raise ProtocolError("the connection was closed without an answer")
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {line[:60]!r}")
    fields: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            raise ProtocolError("the connection was closed in the middle of the answer")
        if line in (b"\r\n", b"\n"):
            return int(parts[1]), parts[0], fields
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"

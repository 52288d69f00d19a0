"""A small keep-alive HTTP/1.1 client for load generation (bench only).

httpx costs about 2 ms of CPU per request on this machine, so at a few hundred requests per
second the load generator, not the server, would be the bottleneck. This one does what the
soak needs: GET/POST/PATCH/DELETE with JSON, Content-Length or chunked answers, a pool of
keep-alive connections to one origin.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode, urlsplit


class Dropped(Exception):
    """The server closed the connection without a complete answer."""


class Response:
    __slots__ = ("status_code", "headers", "content")

    def __init__(self, status: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code, self.headers, self.content = status, headers, content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class Client:
    def __init__(self, base_url: str, headers: dict[str, str] | None = None, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.netloc = parts.netloc
        self.headers = headers or {}
        self.timeout = timeout
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        return await asyncio.wait_for(self._request(method, path, params, json_body, content, headers), self.timeout)

    async def _request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        json_body: Any,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> Response:
        if params:
            path += "?" + urlencode(params)
        hdrs = {"Host": self.netloc, **self.headers, **(headers or {})}
        body = content or b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        if body or method in ("POST", "PUT", "PATCH"):
            hdrs["Content-Length"] = str(len(body))
        raw = (f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n").encode()
        conn = None
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                conn = (reader, writer)
                break
            writer.close()
        if conn is None:
            conn = await asyncio.open_connection(self.host, self.port)
        reader, writer = conn
        try:
            writer.write(raw + body)
            await writer.drain()
            line = await reader.readline()
            if not line:
                raise Dropped("closed without an answer")
            status = int(line.split()[1])
            fields: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n"):
                if not line:
                    raise Dropped("closed in the middle of the headers")
                name, _, value = line.decode("latin-1").partition(":")
                fields[name.strip().lower()] = value.strip()
            if "chunked" in fields.get("transfer-encoding", ""):
                data = bytearray()
                while size := int((await reader.readline()).split(b";")[0] or b"0", 16):
                    data += await reader.readexactly(size)
                    await reader.readexactly(2)
                await reader.readline()
                content_bytes = bytes(data)
            else:
                content_bytes = await reader.readexactly(int(fields.get("content-length", "0")))
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, IndexError) as exc:
            writer.close()
            raise Dropped(f"{type(exc).__name__}: {exc}") from None
        except BaseException:
            writer.close()
            raise
        if fields.get("connection", "").lower() == "close":
            writer.close()
        else:
            self._idle.append((reader, writer))
        return Response(status, fields, content_bytes)

    async def aclose(self) -> None:
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()

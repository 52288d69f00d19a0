"""Receivers and short helpers for the webhook delivery tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from callingbox.resources.webhooks import Webhooks
from callingbox.types.webhook import WebhookEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.server import AppThread

API_KEY = "sk_test_emulator"  # the default org's key
COMPLETED = "+15005550006"  # queued +0, ringing +2, answered +5, call.completed ~+37
BUSY = "+15005550001"  # queued, then call.busy
LIFECYCLE = ["call.queued", "call.ringing", "call.answered", "call.completed"]
RETURNS = {"confirmed": "boolean"}
DAY = 86400
# The documented retry schedule (docs.callingbox.io webhook-retries): attempt n waits SCHEDULE[n - 1]
# seconds after the previous one (immediate, 1m, 5m, 30m, 2h, 5h, 10h, 24h), each with +-20 % jitter.
SCHEDULE = (0, 60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 24 * 3600)


@dataclass
class Hit:
    """One request a receiver got."""

    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # wall-clock time of arrival

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.headers.get("callingbox-event-type", "")

    @property
    def event_id(self) -> str:
        return self.headers.get("callingbox-event-id", "")

    @property
    def signature(self) -> str:
        return self.headers.get("callingbox-signature", "")

    def verify(self, secret: str) -> WebhookEvent:
        """The official SDK's check (BadRequestError when it fails)."""
        return Webhooks.construct_event(self.body, self.signature, secret)


@dataclass
class Receiver:
    """A webhook receiver served by uvicorn in a thread; configure it, then read ``hits``."""

    status: int = 200
    script: deque[int] = field(default_factory=deque)  # statuses for the next requests, then ``status``
    delay: float = 0.0  # seconds before answering (cut short when the sender hangs up)
    location: str | None = None  # Location header of a 3xx
    hits: list[Hit] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self.script = deque(self.script)
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])
        self._serving = AppThread(app)
        self.base_url = self._serving.base_url
        self.url = self.base_url + "/hook"

    async def _receive(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.hits.append(Hit(request.url.path, dict(request.headers), body, time.time()))
            status = self.script.popleft() if self.script else self.status
        if self.delay:
            with contextlib.suppress(TimeoutError):  # wait, but stop early once the sender gave up (its timeout)
                await asyncio.wait_for(request.receive(), self.delay)
        headers = {"Location": self.location} if self.location else None
        return Response(f"answer {status}", status_code=status, headers=headers)

    def start(self) -> Receiver:
        self._serving.start()
        return self

    def stop(self) -> None:
        self._serving.stop()

    def types(self) -> list[str]:
        return [h.type for h in self.hits]


@dataclass
class HangupServer:
    """A plain asyncio server that reads each request and closes the connection unanswered."""

    url: str
    requests: list[bytes]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 request with a Content-Length body, as raw bytes."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + await reader.readexactly(length)


async def advance(client: httpx.AsyncClient, seconds: float) -> dict[str, Any]:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text
    return r.json()


async def get(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    r = await client.get(path, params=params)
    assert r.status_code == 200, f"GET {path} -> {r.status_code} {r.text}"
    return r.json()


async def deliveries(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Delivery rows, oldest first."""
    params.setdefault("limit", 200)
    return list(reversed((await get(client, "/v1/webhook_deliveries", **params))["data"]))


async def attempts(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """The attempt log, oldest first."""
    params.setdefault("limit", 10_000)
    return list(reversed((await get(client, "/_emulator/deliveries", **params))["data"]))


async def default_secret(client: httpx.AsyncClient) -> str:
    orgs = (await get(client, "/_emulator/orgs"))["data"]
    return next(o["default_signing_secret"] for o in orgs if o["api_key"] == API_KEY)


async def endpoint(client: httpx.AsyncClient, url: str, **body: Any) -> dict[str, Any]:
    r = await client.post("/v1/webhook_endpoints", json={"url": url, **body})
    assert r.status_code == 201, r.text
    return r.json()


async def call_of(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    return await get(client, f"/v1/calls/{call_id}")


def ts(value: str) -> float:
    """An RFC 3339 timestamp of the API as unix seconds."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def by_path(receiver: Receiver) -> dict[str, list[Hit]]:
    """The receiver's hits grouped by URL path, each in arrival order."""
    grouped: dict[str, list[Hit]] = {}
    for hit in receiver.hits:
        grouped.setdefault(hit.path, []).append(hit)
    return grouped

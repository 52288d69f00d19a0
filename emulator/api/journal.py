"""The request journal over HTTP: the capturing middleware and /_emulator/requests.

The middleware is pure ASGI (BaseHTTPMiddleware would put every request
through a task and a stream): it wraps ``receive`` and ``send`` to copy the
first 4 KiB of each body as it passes, and records one entry per /v1 request.
It sits outside the fault middleware, so a faulted request is journaled with
what the client saw (injected status, latency, or no answer at all).
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator.api import http
from emulator.api.wire.common import Timestamp
from emulator.api.wire.control import Cleared
from emulator.domain.store import Org
from emulator.errors import InvalidRequest
from emulator.journal import Entry
from emulator.runtime import Emulator

FAULT_KEY = "emulator.fault_id"  # set in the scope by the fault middleware
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def is_api(scope: Scope, emulator: Emulator) -> bool:
    """A request to the product's routes (the active dialect's API prefix), not the control plane."""
    return scope["type"] == "http" and emulator.profile.is_api(scope["path"])


def org_of(emulator: Emulator, headers: list[tuple[bytes, bytes]]) -> Org | None:
    """The org whose key the request carries as ``Bearer <key>`` (the first Authorization header)."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return emulator.store.orgs_by_key.get(key.strip()) if scheme.lower() == "bearer" else None
    return None


class JournalMiddleware:
    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_api(scope, self.emulator):
            return await self.app(scope, receive, send)
        org = org_of(self.emulator, scope["headers"])
        await journaled(self.emulator, org.id if org is not None else None, self.app, scope, receive, send)


async def journaled(
    emulator: Emulator, org_id: str | None, app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    """Run ``app`` on one API request, journaling it as the client saw it (also used by the front,
    which serves the hottest routes without the middleware stack)."""
    journal = emulator.journal  # looked up per request: reset makes a new one
    entry = journal.open(
        scope["method"], scope["path"], scope["query_string"].decode("latin-1"), emulator.clock.now(), org_id
    )
    started = time.perf_counter()
    complete = False

    async def receive_() -> Message:
        message = await receive()
        if message["type"] == "http.request" and message.get("body"):
            entry.keep_request(message["body"])
        return message

    async def send_(message: Message) -> None:
        nonlocal complete
        if message["type"] == "http.response.start":
            entry.status = message["status"]
        elif message["type"] == "http.response.body":
            if message.get("body"):
                entry.keep_response(message["body"])
            complete = not message.get("more_body", False)
        await send(message)

    try:
        await app(scope, receive_, send_)
    except BaseException as exc:
        # Not started: the server error middleware answers 500. Started: the
        # connection is closed mid-answer, so the client got no status. A client
        # that left mid-body gets nothing either (the guard ends it quietly).
        if isinstance(exc, ClientDisconnect):
            entry.status, entry.error = None, "the client disconnected before its request body was complete"
            raise
        if entry.status is None:
            entry.status = 500
        elif not complete:
            entry.status = None
        entry.error = str(exc) or type(exc).__name__
        raise
    finally:
        entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)
        entry.fault_id = scope.get(FAULT_KEY)
        journal.add(entry)


class EntryOut(BaseModel):
    seq: int
    method: str
    path: str
    query: str
    status: int | None
    received_at: Timestamp
    duration_ms: float
    org_id: str | None
    request_body: str
    request_body_truncated: bool
    response_body: str
    response_body_truncated: bool
    fault_id: str | None
    error: str | None


class EntryList(BaseModel):
    data: list[EntryOut]
    total_requests: int


def entry_out(entry: Entry) -> EntryOut:
    fields: dict[str, Any] = {
        "request_body": entry.request_body.decode("utf-8", "replace"),
        "request_body_truncated": entry.request_cut,
        "response_body": entry.response_body.decode("utf-8", "replace"),
        "response_body_truncated": entry.response_cut,
    }
    for name in (
        "seq",
        "method",
        "path",
        "query",
        "status",
        "received_at",
        "duration_ms",
        "org_id",
        "fault_id",
        "error",
    ):
        fields[name] = getattr(entry, name)
    return EntryOut(**fields)


def _method(request: Request) -> str | None:
    raw = request.query_params.get("method")
    if raw is not None and raw not in METHODS:
        raise InvalidRequest(f"method: must be one of {', '.join(METHODS)} (got {raw!r})")
    return raw


async def list_requests(request: Request) -> Response:
    journal = http.emulator(request).journal
    status = request.query_params.get("status")
    found = journal.find(
        limit=http.query_int(request, "limit", 100, 1, 1000),
        method=_method(request),
        path_prefix=request.query_params.get("path_prefix"),
        status=None if status is None else http.query_int(request, "status", 0, 100, 599),
    )
    return http.respond(EntryList(data=[entry_out(e) for e in found], total_requests=journal.total))


async def clear_requests(request: Request) -> Response:
    await http.no_body(request)
    http.emulator(request).journal.clear()
    return http.respond(Cleared())


routes = [
    http.route("/_emulator/requests", get=list_requests, delete=clear_requests),
]

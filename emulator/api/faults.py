"""Fault injection over HTTP: the middleware that acts on /v1 requests, and /_emulator/faults.

A faulted request with a status never reaches its handler, so it changes
nothing. Latency is real time (``asyncio.sleep``): it stands for the network,
not for anything on the virtual clock.

Dropping a connection: ASGI has no "close without answering". A server that
sees the app fail *before* the answer starts sends its own 500, so the
middleware starts an answer (status line and headers promising a body) and
then raises ``ConnectionDropped``. Over real HTTP (uvicorn) the server then
closes the connection mid-answer: clients see a protocol error (httpx:
``RemoteProtocolError``; requests: ``ChunkedEncodingError``), never a
status they could act on. In-process (httpx ``ASGITransport``, starlette's
``TestClient``) the ``ConnectionDropped`` exception, a ``ConnectionResetError``,
is raised from the client call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from http import HTTPStatus

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import PARAM_REGEX, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from emulator.api import http
from emulator.api.journal import FAULT_KEY, is_api
from emulator.api.wire.common import Deleted
from emulator.api.wire.control import Cleared
from emulator.errors import InvalidRequest
from emulator.faults import Fault, FaultSpec
from emulator.runtime import Emulator


class ConnectionDropped(ConnectionResetError):
    """Raised on purpose to make the server close the connection without an answer."""


class QuietDrops(logging.Filter):
    """Keeps the server's error log free of the tracebacks of deliberate drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


QUIET_DROPS = QuietDrops()  # one instance: adding it twice to a logger is a no-op


class FaultMiddleware:
    def __init__(self, app: ASGIApp, emulator: Emulator) -> None:
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        faults = self.emulator.faults
        fault = faults.pick(scope["method"], scope["path"]) if faults and is_api(scope, self.emulator) else None
        if fault is None:
            return await self.app(scope, receive, send)
        scope[FAULT_KEY] = fault.id
        spec = fault.spec
        if spec.latency_ms:
            await asyncio.sleep(spec.latency_ms / 1000)
        if spec.drop:
            await self._drain(receive)
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
                }
            )
            raise ConnectionDropped(f"connection dropped by injected fault {fault.id}")
        if spec.status is None:  # latency only: then the request goes on as usual
            return await self.app(scope, receive, send)
        await self._drain(receive)
        await self._answer(send, fault)

    async def _drain(self, receive: Receive) -> None:
        """Read the request body (so the journal keeps it) up to the body limit."""
        left = self.emulator.config.max_body_bytes
        while left > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            left -= len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _answer(self, send: Send, fault: Fault) -> None:
        status = fault.spec.status
        assert status is not None
        message = f"injected fault: {status} {HTTPStatus(status).phrase} (fault {fault.id})"
        body = json.dumps({"error": message}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if fault.spec.retry_after is not None:
            headers.append((b"retry-after", str(fault.spec.retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class FaultOut(BaseModel):
    id: str
    path: str
    method: str | None
    status: int | None
    retry_after: int | None
    latency_ms: float | None
    drop: bool
    count: int | None
    rate: float | None
    remaining: int | None
    fired: int


class FaultList(BaseModel):
    data: list[FaultOut]


def fault_out(fault: Fault) -> FaultOut:
    spec = fault.spec
    count = None if spec.rate is not None else (spec.count or 1)
    return FaultOut(
        id=fault.id,
        path=spec.path,
        method=spec.method,
        status=spec.status,
        retry_after=spec.retry_after,
        latency_ms=spec.latency_ms,
        drop=spec.drop,
        count=count,
        rate=spec.rate,
        remaining=fault.remaining,
        fired=fault.fired,
    )


CONVERTORS = {"str", "int", "uuid", "path"}  # the ones the control contract names


def path_pattern(path: str) -> re.Pattern[str]:
    """Exact, ``prefix*``, or a template as the router writes them (``{call_id}``, ``{n:int}``),
    compiled by the router's own ``compile_path``: a fault matches what a route would."""
    prefix = path.endswith("*")
    body = path.removesuffix("*") if prefix else path
    kinds = {(m.group(2) or ":str")[1:] for m in PARAM_REGEX.finditer(body)}
    if "{" in PARAM_REGEX.sub("", body) or "}" in PARAM_REGEX.sub("", body) or not kinds <= CONVERTORS:
        raise InvalidRequest("path: a template part must look like {name} or {name:str|int|uuid|path}")
    try:
        regex = compile_path(body)[0].pattern
    except (AssertionError, ValueError) as exc:  # an unknown convertor, a name used twice
        raise InvalidRequest(f"path: {exc}") from None
    return re.compile(regex.removesuffix("$") + (".*" if prefix else ""))


async def create_fault(request: Request) -> Response:
    prefix = http.emulator(request).profile.api_prefix
    spec = http.parse(FaultSpec, await http.json_object(request), {"api_prefix": prefix})
    fault = http.emulator(request).faults.add(spec, path_pattern(spec.path))
    return http.respond(fault_out(fault), 201)


async def list_faults(request: Request) -> Response:
    return http.respond(FaultList(data=[fault_out(f) for f in http.emulator(request).faults.all()]))


async def clear_faults(request: Request) -> Response:
    await http.no_body(request)
    http.emulator(request).faults.clear()
    return http.respond(Cleared())


async def delete_fault(request: Request) -> Response:
    fault = http.emulator(request).faults.remove(request.path_params["fault_id"])
    return http.respond(Deleted(id=fault.id))


routes = [
    http.route("/_emulator/faults", get=list_faults, post=create_fault, delete=clear_faults),
    http.route("/_emulator/faults/{fault_id}", delete=delete_fault),
]

"""Conformance over HTTP: the middleware that checks every answer, and /_emulator/conformance.

The middleware is the innermost one (inside the faults: an injected fault is not the
code's answer). A JSON answer is held until complete, checked, then sent; in strict mode
an answer off its contract is replaced by a 500 in the dialect's error shape naming the
operation, the status, the JSON pointer and the rule. Any other answer (the event stream,
the dashboard, YAML) passes through as it comes, only its content type checked.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emulator import resources
from emulator.api import http
from emulator.conformance import Conformance, Contract
from emulator.errors import InvalidRequest
from emulator.runtime import Emulator
from emulator.webhooks.transport import Outcome, Poster

JSON = "application/json"


def install(emulator: Emulator, documents: list[str]) -> None:
    """Check ``emulator``'s answers and webhooks against the named documents, as configured."""
    mode = emulator.config.conformance
    if mode == "off":
        emulator.conformance = None
        return
    contracts = [contract(name) for name in documents]
    emulator.conformance = Conformance(mode, contracts)
    if not isinstance(emulator.transport, CheckedTransport):
        # The transport, not the dispatcher, is wrapped: it outlives a reset, and every attempt passes it.
        emulator.transport = CheckedTransport(emulator.transport, emulator)
        emulator.dispatcher.transport = emulator.transport


@functools.cache
def contract(name: str) -> Contract:
    """One per document and process: each schema is compiled once, whatever the number of emulators."""
    return Contract(json.loads(resources.openapi_json(name)))


def checks_of(emulator: Emulator) -> Conformance | None:
    return emulator.conformance


class CheckedTransport:
    """The webhook transport, with each body checked against the webhooks section before it goes.
    Strict: an off-contract body is not sent; the attempt fails with the reason (and is retried
    like any failure, failing the same way, so the delivery ends exhausted with that reason)."""

    def __init__(self, inner: Poster, emulator: Emulator) -> None:
        self._inner = inner
        self._emulator = emulator

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def post(self, url: str, body: bytes, headers: dict[str, str], on_slot: Any = None) -> Outcome:
        checks = checks_of(self._emulator)
        if checks is not None:
            found = checks.check_webhook(_event_type(headers, body), body, self._emulator.clock.now())
            if found is not None and checks.strict:
                return Outcome(None, "not sent: " + found.describe(), 0.0)
        return await self._inner.post(url, body, headers, on_slot)


def _event_type(headers: dict[str, str], body: bytes) -> str:
    for name, value in headers.items():
        if name.lower().endswith("event-type"):
            return value
    try:
        data = json.loads(body)
        found = data.get("type", data.get("event"))  # an envelope names its event as "type" or "event"
    except (ValueError, AttributeError):
        return ""
    return found if isinstance(found, str) else ""


def _media(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


class ConformanceMiddleware:
    def __init__(self, app: ASGIApp, emulator: Emulator, render_error: Any = None, is_api: Any = None) -> None:
        self.app = app
        self.emulator = emulator
        self.render_error = render_error  # the dialect's error shape, for its own routes
        self.is_api = is_api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        checks = checks_of(self.emulator)
        if checks is None or scope["type"] != "http" or scope["method"] == "HEAD":
            return await self.app(scope, receive, send)
        held: list[Message] = []  # a JSON answer's body, until it is complete and checked
        start: Message | None = None  # its start, held with it
        replaced = False  # a non-JSON answer was refused at its start: drop the rest of it

        async def send_(message: Message) -> None:
            nonlocal start, replaced
            if message["type"] == "http.response.start":
                if _media(message.get("headers", [])) == JSON:
                    start = message
                elif await self._verdict(scope, send, message, b""):  # not held: streams stay streams
                    replaced = True
                else:
                    await send(message)
                return
            if replaced:
                return
            if start is None:
                return await send(message)
            held.append(message)
            if not message.get("more_body", False):
                body = b"".join(m.get("body", b"") for m in held)
                if not await self._verdict(scope, send, start, body):
                    await send(start)
                    for m in held:
                        await send(m)

        await self.app(scope, receive, send_)

    async def _verdict(self, scope: Scope, send: Send, start: Message, body: bytes) -> bool:
        """Check one answer; True when a strict replacement was sent instead of it."""
        checks = checks_of(self.emulator)
        if checks is None:
            return False
        media = _media(start.get("headers", []))
        # Only a JSON body is read; of anything else (a stream, a page), its status and content type.
        found = checks.check_response(
            scope["method"],
            scope["path"],
            start["status"],
            media,
            body if media == JSON else None,
            self.emulator.clock.now(),
        )
        if found is None or not checks.strict:
            return False
        reply = json.dumps({"error": found.describe()}).encode()
        if self.render_error is not None and self.is_api is not None and self.is_api(scope["path"]):
            reply = bytes(self.render_error(InvalidRequest(found.describe())).body)  # its shape, status 500
        await send(
            {
                "type": "http.response.start",
                "status": 500,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(reply)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": reply})
        return True


async def list_violations(request: Request) -> Response:
    http.only_params(request)
    checks = checks_of(http.emulator(request))
    body: dict[str, Any] = {
        "mode": checks.mode if checks else "off",
        "total": checks.total if checks else 0,
        "data": checks.items() if checks else [],
    }
    return Response(json.dumps(body), media_type=JSON)


async def clear_violations(request: Request) -> Response:
    await http.no_body(request)
    checks = checks_of(http.emulator(request))
    if checks is not None:
        checks.clear()
    return Response(json.dumps({"cleared": True}), media_type=JSON)


routes = [http.route("/_emulator/conformance", get=list_violations, delete=clear_violations)]

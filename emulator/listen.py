"""``callingbox-emulator listen``: forward an org's webhooks to a local app, like ``stripe listen``.

It registers a webhook endpoint on a running emulator that points at a small
receiver of its own, prints each event as it arrives, passes it on unchanged
(headers and signature included) to ``--forward-to`` and answers the emulator
with the app's status, so the app's failures are retried as in production.
The endpoint is deleted again on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import datetime
from typing import Any, TextIO

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FORWARDED = (
    "content-type",
    "callingbox-signature",
    "callingbox-event-id",
    "callingbox-event-type",
    "x-callingbox-event",
    "x-callingbox-call-id",
    "user-agent",
)


class Forwarder:
    def __init__(self, forward_to: str, out: TextIO) -> None:
        self.forward_to = forward_to
        self.out = out
        self.client = httpx.AsyncClient(timeout=30, follow_redirects=False)

    def say(self, line: str) -> None:
        print(f"{datetime.now():%H:%M:%S}  {line}", file=self.out, flush=True)

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        kind = request.headers.get("callingbox-event-type", "?")
        self.say(
            f"--> {kind} [{request.headers.get('callingbox-event-id', '?')}] "
            f"call {request.headers.get('x-callingbox-call-id', '?')}"
        )
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED}
        try:
            answer = await self.client.post(self.forward_to, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self.say(f"<-- [ERR] POST {self.forward_to}: {type(exc).__name__}: {exc}")
            return Response(f"forwarding failed: {exc}", status_code=502)
        self.say(f"<-- [{answer.status_code}] POST {self.forward_to}")
        return Response(answer.content, status_code=answer.status_code, media_type=answer.headers.get("content-type"))


async def _register(api: httpx.AsyncClient, url: str, events: list[str]) -> dict[str, Any]:
    answer = await api.post(
        "/v1/webhook_endpoints",
        json={
            "url": url,
            "description": "callingbox-emulator listen",
            "enabled_events": events,
        },
    )
    if answer.status_code != 201:
        raise RuntimeError(f"could not register the endpoint: HTTP {answer.status_code} {answer.text}")
    endpoint: dict[str, Any] = answer.json()
    return endpoint


async def run(
    base_url: str,
    api_key: str,
    forward_to: str,
    events: list[str],
    host: str = "127.0.0.1",
    port: int = 0,
    out: TextIO = sys.stdout,
) -> None:
    from emulator.server import _Server, base_url_of, bind

    forwarder = Forwarder(forward_to, out)
    sock = bind(host, port)
    app = Starlette(routes=[Route("/{path:path}", forwarder.receive, methods=["POST"])])
    # _Server: Ctrl-C/SIGTERM end serve() without re-raising the signal, so the endpoint is deleted below
    # (plain uvicorn re-raises it on the way out, which cancelled or killed the cleanup).
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    api = httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    endpoint: dict[str, Any] | None = None
    try:
        endpoint = await _register(api, base_url_of(sock) + "/", events)
        forwarder.say(f"Ready! Forwarding webhooks of {base_url} to {forward_to}")
        forwarder.say(f"Your webhook signing secret is {endpoint['signing_secret']} (endpoint {endpoint['id']})")
        await serving
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await serving
        if endpoint is not None:
            with contextlib.suppress(httpx.HTTPError):
                await api.delete(f"/v1/webhook_endpoints/{endpoint['id']}")
        await api.aclose()
        await forwarder.client.aclose()

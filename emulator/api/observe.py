"""/_emulator deliveries and sinks: what went out, and what arrived."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.wire import control as wire
from emulator.errors import InvalidRequest

SINK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


async def list_attempts(request: Request) -> Response:
    log = http.emulator(request).dispatcher.log
    call_id = http.query_id(request, "call_id")
    delivery_id = http.query_id(request, "delivery_id")
    limit = http.query_int(request, "limit", 100, 1, 10_000)
    items = [
        a
        for a in reversed(log.items())
        if (call_id is None or a.call_id == call_id) and (delivery_id is None or a.delivery_id == delivery_id)
    ]
    return http.respond(
        wire.AttemptList(
            data=items[:limit],
            total_attempts=log.total,
        )
    )


async def clear_attempts(request: Request) -> Response:
    http.emulator(request).dispatcher.log.clear()
    return http.respond(wire.Cleared())


def _sink_name(request: Request) -> str:
    name = str(request.path_params["name"])
    if not SINK_NAME.match(name):
        raise InvalidRequest("sink name: use 1-64 letters, digits, '.', '_' or '-'")
    return name


async def receive_webhook(request: Request) -> Response:
    name = _sink_name(request)
    raw = await http.body_bytes(request)
    emulator = http.emulator(request)
    item = emulator.sinks.receive(name, dict(request.headers), raw)
    emulator.feed.publish("sink.received", item, item.org_id, item.call_id, item.received_at, item.size)
    return http.respond_as(wire.RECEIVED, item)


async def list_received(request: Request) -> Response:
    items = http.emulator(request).sinks.items(_sink_name(request))
    return http.respond(wire.ReceivedList(data=items))


async def clear_sink(request: Request) -> Response:
    http.emulator(request).sinks.clear(_sink_name(request))
    return http.respond(wire.Cleared())


routes = [
    http.route("/_emulator/deliveries", get=list_attempts, delete=clear_attempts),
    http.route("/_emulator/sinks/{name}", get=list_received, post=receive_webhook, delete=clear_sink),
]

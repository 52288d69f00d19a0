"""/_emulator clock, scenarios and inbound calls: driving the simulation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.calls import call_out
from emulator.api.wire import control as wire
from emulator.errors import InvalidRequest, UnsupportedMediaType
from emulator.simulation.scenario import ScenarioError, parse

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")


async def get_clock(request: Request) -> Response:
    return http.respond(wire.clock_out(http.emulator(request).clock))


async def set_clock(request: Request) -> Response:
    body = http.parse(wire.SetClock, await http.json_object(request))
    clock = http.emulator(request).clock
    clock.configure(body.mode, body.speed)
    return http.respond(wire.clock_out(clock))


async def advance_clock(request: Request) -> Response:
    raw = await http.json_object(request)
    seconds = raw.get("seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds < 0:
        raise InvalidRequest("seconds: time only moves forward; give a number >= 0")
    body = http.parse(wire.Advance, raw)
    emulator = http.emulator(request)
    ran = await emulator.advance_async(body.seconds)
    return http.respond(wire.Advanced(advanced_seconds=body.seconds, jobs_run=ran, clock=wire.clock_out(emulator.clock)))


def _scenarios(request: Request) -> wire.ScenarioList:
    return wire.ScenarioList(data=[
        wire.ScenarioInfo(
            name=s.name, description=s.description, outcome=s.outcome, source=source,
            match=s.match.model_dump(exclude_none=True) if s.match else None,
        )
        for s, source in http.emulator(request).scenarios.entries()
    ])


async def list_scenarios(request: Request) -> Response:
    return http.respond(_scenarios(request))


async def load_scenarios(request: Request) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in YAML_TYPES:
        raise UnsupportedMediaType(f"Content-Type must be application/yaml (got {media or 'none'})")
    raw = await http.body_bytes(request)
    try:
        text = raw.decode("utf-8")
        found = parse(text, "request body")
    except UnicodeDecodeError:
        raise InvalidRequest("request body: scenarios must be UTF-8 YAML") from None
    except ScenarioError as exc:
        raise InvalidRequest(str(exc)) from None
    http.emulator(request).scenarios.add([(s, "control plane") for s in found], replace=True)
    return http.respond(_scenarios(request), 201)


async def place_inbound_call(request: Request) -> Response:
    body = http.parse(wire.PlaceInboundCall, await http.json_object(request))
    call = http.emulator(request).services.calls.receive(body.from_, body.to, body.scenario)
    return http.respond(call_out(call), 201)


routes = [
    http.route("/_emulator/clock", get=get_clock, post=set_clock),
    http.route("/_emulator/clock/advance", post=advance_clock),
    http.route("/_emulator/scenarios", get=list_scenarios, post=load_scenarios),
    http.route("/_emulator/inbound_calls", post=place_inbound_call),
]

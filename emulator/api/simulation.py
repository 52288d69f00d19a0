"""/_emulator clock, scenarios and inbound calls: driving the simulation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http, stream
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
    stream.clock_changed(http.emulator(request), "set")
    return http.respond(wire.clock_out(clock))


async def advance_clock(request: Request) -> Response:
    raw = await http.json_object(request)
    seconds = raw.get("seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds < 0:
        raise InvalidRequest("seconds: time only moves forward; give a number >= 0")
    body = http.parse(wire.Advance, raw)
    emulator = http.emulator(request)
    ran = await emulator.advance_async(body.seconds)
    stream.clock_changed(emulator, "advance")
    return http.respond(
        wire.Advanced(advanced_seconds=body.seconds, jobs_run=ran, clock=wire.clock_out(emulator.clock))
    )


async def step_clock(request: Request) -> Response:
    await http.no_body(request)
    emulator = http.emulator(request)
    due = await emulator.step_async()
    stream.clock_changed(emulator, "step")
    return http.respond(
        wire.Stepped(ran=due is not None, clock=wire.clock_out(emulator.clock), next_due=emulator.scheduler.next_due())
    )


async def run_until_idle(request: Request) -> Response:
    body = http.parse(wire.RunUntilIdle, await http.json_object(request, required=False))
    emulator = http.emulator(request)
    steps = await emulator.run_until_idle_async(body.max_seconds)
    stream.clock_changed(emulator, "run_until_idle")
    return http.respond(
        wire.Stepped(ran=steps > 0, clock=wire.clock_out(emulator.clock), next_due=emulator.scheduler.next_due())
    )


async def list_events(request: Request) -> Response:
    history = http.emulator(request).history
    events = history.events(http.query_id(request, "call_id"), http.query_id(request, "org_id"))
    limit = http.query_int(request, "limit", 1000, 1, 10_000)
    return http.respond(
        wire.EventList(
            data=[
                wire.EventOut(
                    type=e.type, call_id=e.call.id, org_id=e.call.org_id, status=e.call.status, created=e.created
                )
                for e in events[-limit:]
            ]
        )
    )


def _scenarios(request: Request) -> wire.ScenarioList:
    return wire.ScenarioList(
        data=[
            wire.ScenarioInfo(
                name=s.name,
                description=s.description,
                outcome=s.outcome,
                source=source,
                match=s.match.model_dump(exclude_none=True) if s.match else None,
            )
            for s, source in http.emulator(request).scenarios.entries()
        ]
    )


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
    return http.respond(http.dialect(request).call_out(call), 201)


routes = [
    http.route("/_emulator/clock", get=get_clock, post=set_clock),
    http.route("/_emulator/clock/advance", post=advance_clock),
    http.route("/_emulator/clock/step", post=step_clock),
    http.route("/_emulator/clock/run_until_idle", post=run_until_idle),
    http.route("/_emulator/events", get=list_events),
    http.route("/_emulator/scenarios", get=list_scenarios, post=load_scenarios),
    http.route("/_emulator/inbound_calls", post=place_inbound_call),
]

"""VoxBridge's /v1 routes: place an outbound call, list and read calls, fetch a recording.

Handlers are thin: the pure modules decide (wire, outbound, pagination, present, audio), the
core keeps and runs the call. A refusal is a VoxError (or a core error) rendered in the one
FastAPI-style shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from emulator.api import http, rendered
from emulator.api.voxbridge import audio, auth, errors, outbound, pagination, present, records, statuses
from emulator.api.voxbridge.errors import VoxError
from emulator.api.voxbridge.wire import OutboundCallRequest, path_uuid
from emulator.domain.records import Call, touch
from emulator.domain.store import Org
from emulator.errors import EmulatorError, ProviderRefused
from emulator.runtime import Emulator

SCENARIO_HEADER = "callingbox-emulator-scenario"  # the emulator's own header, whichever the dialect
Handler = Callable[[Request], Awaitable[Response]]


def render(error: VoxError) -> Response:
    status, body, headers = errors.render_error(error)
    return JSONResponse(body, status, headers or None)


def render_core(exc: EmulatorError) -> Response:
    status, body, headers = errors.from_domain(exc)
    return JSONResponse(body, status, headers or None)


def guarded(fn: Handler) -> Handler:
    async def handler(request: Request) -> Response:
        try:
            return await fn(request)
        except VoxError as error:
            return render(error)

    handler.__name__ = fn.__name__
    return handler


def org_of(request: Request) -> Org:
    key = auth.bearer_key(request.headers.get("authorization"))
    org = http.emulator(request).store.orgs_by_key.get(key)  # one dict lookup
    if org is None:
        raise VoxError("auth", errors.INVALID_KEY)
    return org


def recording_url(emulator: Any, call: Call) -> str | None:
    org = emulator.store.orgs.get(call.org_id) if emulator is not None else None
    if org is None:
        return None
    return audio.url(_base(emulator), call.id, org.default_signing_secret)


def _base(emulator: Any) -> str:
    return str(emulator.base_url or f"http://{emulator.config.host}:{emulator.config.port}")


def call_out(emulator: Any, call: Call) -> Any:
    return present.call_out(call, recording_url(emulator, call) if present.analyzed(call) else None)


def call_bytes(request: Request, org: Org, call: Call) -> bytes:
    """The call's body, kept from its last change: polling a call re-renders nothing. The
    recording link's inputs (base URL, the org's secret) are part of the key."""
    return rendered.kept(request, present.render).get(call, _link(request, org))


def _link(request: Request, org: Org) -> tuple[str, str]:
    """What a recording link is made of: part of a kept body's key."""
    return _base(http.emulator(request)), org.default_signing_secret


async def create_call(request: Request) -> Response:
    org = org_of(request)
    raw = await http.json_object(request)
    try:
        body = OutboundCallRequest.model_validate(raw)
    except ValidationError as exc:
        return JSONResponse(errors.validation_body(exc), 422)
    emulator = http.emulator(request)
    now = emulator.clock.now()
    new = outbound.plan(body, records.views(org), records.minutes_used(org, now), records.monthly_minutes(org), now)
    call = Call(
        id="",
        org_id=org.id,
        to_number=new.to_number,
        from_number=new.from_number,
        direction="outbound",
        prompt=new.prompt,
        language="en",
        created_at=0.0,
        updated_at=0.0,
        agent_id=new.agent_id,
        instructions=new.prompt,
        context=new.context,
        metadata=new.metadata,
        webhook_url=new.webhook_url,
        client_name=new.client_name,
        scheduled_at=new.scheduled_at,
        max_attempts=new.max_attempts,
    )
    try:
        emulator.services.calls.place(org, call, request.headers.get(SCENARIO_HEADER))
    except ProviderRefused:
        raise VoxError("provider", errors.PROVIDER_REFUSED) from None
    if body.schedule_at is None:  # "now" is the moment it was kept
        call.scheduled_at = call.created_at
    if call.scenario is not None:  # the answers extraction gives: the scenario's result values
        call.returns = dict.fromkeys(emulator.scenarios.by_name(call.scenario).result or {}, "string")
    touch(call)
    return rendered.respond(call_bytes(request, org, call), 201)  # kept: the read that follows is a hit


async def list_calls(request: Request) -> Response:
    org = org_of(request)
    link, kept = _link(request, org), rendered.kept(request, present.render)

    def build() -> bytes:
        query = pagination.parse(request.query_params.multi_items())
        wanted = query.status
        where = (lambda c: statuses.status(c) == wanted) if wanted else None
        rows, total = org.calls.offset_page(query.offset, query.limit, where)
        return present.list_bytes(kept.many(rows, link), total, query.limit, query.offset)

    # Kept while no call changed and none came or went: polling an unchanged list renders nothing.
    return rendered.respond(kept.page(org.calls, request.scope["query_string"], link, build))


def _call(org: Org, request: Request) -> Call:
    call = org.calls.get(path_uuid("call_id", request.path_params["call_id"]))
    if call is None:
        raise VoxError("not_found", errors.CALL_NOT_FOUND)
    return call


async def get_call(request: Request) -> Response:
    if request.path_params["call_id"] == "outbound":  # POST /v1/calls/outbound's path: not a call id
        status, body, _ = errors.render("method", "Method Not Allowed")
        return JSONResponse(body, status, {"Allow": "POST"})
    org = org_of(request)
    return rendered.respond(call_bytes(request, org, _call(org, request)))


async def get_recording(request: Request) -> Response:
    """The key, or the URL's token (so a player can fetch it): the recording of an analysed call."""
    call_id = path_uuid("call_id", request.path_params["call_id"])
    token = request.query_params.get("token")
    if request.headers.get("authorization") or token is None:
        call = org_of(request).calls.get(call_id)
    else:
        call = _by_token(http.emulator(request), call_id, token)
    if call is None or not present.analyzed(call):
        raise VoxError("not_found", errors.RECORDING_NOT_FOUND)
    seconds = present.duration_seconds(call) or 0
    status, headers, start, end = audio.answer(seconds, request.headers.get("range"))
    if status == 416:
        return JSONResponse({"detail": errors.RANGE_NOT_SATISFIABLE}, 416, headers)
    turns = [
        (t.role, t.started_at - (call.answered_at or 0.0), (t.ended_at or t.started_at) - (call.answered_at or 0.0))
        for t in call.transcript
    ]
    if request.method == "HEAD":
        return Response(b"", status, headers)
    return StreamingResponse(audio.stream(call.id, seconds, turns, start, end), status, headers)


def _by_token(emulator: Emulator, call_id: str, token: str) -> Call | None:
    for org in emulator.store.orgs.oldest_first():
        call = org.calls.get(call_id)
        if call is not None:
            if not audio.token_ok(org.default_signing_secret, call_id, token):
                raise VoxError("auth", "Invalid recording token")
            return call
    return None


routes = [
    http.route("/v1/calls/outbound", post=guarded(create_call)),
    http.route("/v1/calls", get=guarded(list_calls)),
    http.route("/v1/calls/{call_id}", get=guarded(get_call)),
    http.route("/v1/calls/{call_id}/recording.wav", get=guarded(get_recording)),
]

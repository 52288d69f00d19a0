"""/v1/calls: dispatch, list, read, transcript."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http, rendered
from emulator.api.callingbox import paging
from emulator.api.callingbox.wire import calls as wire
from emulator.api.wire.common import Page
from emulator.domain.records import Call
from emulator.domain.store import Org
from emulator.errors import InvalidRequest, NotFound

CallPage = Page[wire.Call]
SCENARIO_HEADER = "callingbox-emulator-scenario"
CALL_FILTERS = ("status", "agent_id", "direction")
CALL_STATUSES = (
    "queued",
    "initiated",
    "ringing",
    "in_progress",
    "completed",
    "no_answer",
    "busy",
    "canceled",
    "failed",
)


def call_out(call: Call) -> wire.Call:
    return wire.Call.model_validate(call, from_attributes=True)


def _render(call: Call, _: Any) -> bytes:
    out = call_out(call)
    return out.__pydantic_serializer__.to_json(out)


def call_bytes(request: Request, call: Call) -> bytes:
    """The call's body, kept from its last change: polling a call re-renders nothing."""
    return rendered.kept(request, _render).get(call)


def page_bytes(kept: rendered.Rendered, rows: list[Call], more: bool) -> bytes:
    """What ``CallPage(data=rows, has_more=more)`` serializes to, assembled from the rows' kept
    bytes: a page of 25 rendered afresh was most of a list's cost."""
    return rendered.join(b'{"data":[', kept.many(rows), _TAILS[more])


_TAILS = {True: b'],"has_more":true}', False: b'],"has_more":false}'}


async def create_call(request: Request) -> Response:
    org = http.org(request)
    raw = await http.json_object(request)
    call = _dispatch(request, org, raw, request.headers.get(SCENARIO_HEADER))
    return rendered.respond(call_bytes(request, call), 201)  # kept: the read that follows is a hit


def _dispatch(request: Request, org: Org, raw: dict[str, Any], scenario: str | None) -> Call:
    emulator = http.emulator(request)
    calls = emulator.services.calls
    if "agent_id" not in raw:
        if not emulator.config.legacy_calls:
            raise InvalidRequest(
                "agent_id: is required. This looks like a legacy prompt-based body (as SDK 0.1.0 sends); "
                "start the emulator with --legacy-calls (or CALLINGBOX_EMULATOR_LEGACY_CALLS=1) to accept it"
            )
        legacy = http.parse(wire.CreateLegacyCall, raw)
        return calls.dispatch_legacy(org, legacy.model_dump(exclude_unset=True), scenario)
    for key in wire.AGENT_ONLY_FIELDS:
        if key in raw:
            raise InvalidRequest(
                f"{key}: not accepted on POST /v1/calls; it lives on the agent (PATCH /v1/agents/{{agent_id}})"
            )
    body = http.parse(wire.CreateCall, raw)
    try:
        agent = emulator.services.agents.get(org, body.agent_id)
    except NotFound:
        raise NotFound(f"agent {body.agent_id} not found") from None
    return calls.dispatch(org, agent, body.model_dump(exclude_unset=True), scenario)


async def list_calls(request: Request) -> Response:
    """Newest first. ``status``, ``agent_id`` and ``direction`` filter (an emulator extension:
    the docs offer these filters in the dashboard only)."""
    org, kept = http.org(request), rendered.kept(request, _render)

    def build() -> bytes:
        rows, more = org.calls.page(**_list_query(request))
        return page_bytes(kept, rows, more)

    # Kept while no call changed and none came or went: polling an unchanged list renders nothing.
    return rendered.respond(kept.page(org.calls, request.scope["query_string"], None, build))


def _list_query(request: Request) -> dict[str, Any]:
    """``Table.page``'s arguments from the query: the plain one (at most a limit) without parsing it."""
    limit = paging.plain_limit(request)
    if limit is not None:
        return {"limit": limit, "words": paging.WORDS}
    cursor = paging.page_params(request, filters=CALL_FILTERS)
    status = http.query_choice(request, "status", CALL_STATUSES)
    agent_id = http.query_id(request, "agent_id")
    direction = http.query_choice(request, "direction", ("inbound", "outbound"))
    wanted = {k: v for k, v in (("status", status), ("agent_id", agent_id), ("direction", direction)) if v}
    where = (lambda c: all(getattr(c, k) == v for k, v in wanted.items())) if wanted else None
    return {**cursor, "where": where}


async def get_call(request: Request) -> Response:
    org = http.org(request)
    call = http.emulator(request).services.calls.get(org, request.path_params["call_id"])
    return rendered.respond(call_bytes(request, call))


async def get_call_transcript(request: Request) -> Response:
    org = http.org(request)
    call = http.emulator(request).services.calls.get(org, request.path_params["call_id"])
    return http.respond(
        wire.Transcript.model_validate({"call_id": call.id, "segments": call.transcript}, from_attributes=True)
    )


routes = [
    http.route("/v1/calls", get=list_calls, post=create_call),
    http.route("/v1/calls/{call_id}", get=get_call),
    http.route("/v1/calls/{call_id}/transcript", get=get_call_transcript),
]

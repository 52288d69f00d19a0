"""The control plane's VoxBridge routes: what the VoxBridge docs give no API-key route for.

``GET/POST /_emulator/orgs/{org_id}/agents``, ``PATCH /_emulator/orgs/{org_id}/agents/{agent_id}``,
and ``GET/PATCH /_emulator/orgs/{org_id}`` (webhook URL and secret, monthly minutes, minutes
used). Mounted before the shared control plane, so they answer for these paths; errors are the
control plane's ``{"error": ...}``, like every /_emulator route.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints
from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.voxbridge import agents, phone, records
from emulator.api.voxbridge.control import AgentIn, AgentList, AgentOut, AgentPatch, OrgOut, OrgPatch
from emulator.api.voxbridge.errors import VoxError
from emulator.api.wire.common import Request as Body
from emulator.domain.records import Agent, Call, touch
from emulator.domain.store import Org
from emulator.errors import InvalidRequest, NotFound
from emulator.omittable import Omittable
from emulator.realism import Switches, apply, view


def _org(request: Request) -> Org:
    return http.emulator(request).services.orgs.get(request.path_params["org_id"])


def org_out(org: Org, now: float) -> OrgOut:
    return OrgOut(
        id=org.id,
        api_key=org.api_key,
        webhook_secret=org.default_signing_secret,
        webhook_url=org.webhook_url,
        monthly_minutes=records.monthly_minutes(org),
        minutes_used=records.minutes_used(org, now),
        realism=view(org.realism),
    )


def agent_out(agent: Agent) -> AgentOut:
    return AgentOut.model_validate(records.AgentView(agent), from_attributes=True)


async def get_org(request: Request) -> Response:
    return http.respond(org_out(_org(request), http.emulator(request).clock.now()))


async def update_org(request: Request) -> Response:
    org = _org(request)
    body = http.parse(OrgPatch, await http.json_object(request))
    changes, switches = body.changes(), Switches.changes(body)  # the realism switches: emulator/realism.py
    if not changes and not switches:
        raise InvalidRequest(
            "body: send webhook_url, monthly_minutes and/or a realism switch (rate_limit, "
            "max_concurrent_calls, calling_hours, do_not_call)"
        )
    for key, value in changes.items():
        setattr(org, key, value)
    apply(org.realism, switches)
    return http.respond(org_out(org, http.emulator(request).clock.now()))


async def list_agents(request: Request) -> Response:
    org = _org(request)
    return http.respond(AgentList(data=[agent_out(a) for a in org.agents.oldest_first()]))


async def create_agent(request: Request) -> Response:
    org = _org(request)
    body = http.parse(AgentIn, await http.json_object(request))
    fields = body.model_dump()
    fields.update(slug=body.resolved_slug(), voice_id=body.resolved_voice())
    return http.respond(agent_out(records.new_agent(http.emulator(request).ctx, org, fields)), 201)


async def update_agent(request: Request) -> Response:
    org = _org(request)
    agent = org.agents.get(request.path_params["agent_id"])
    if agent is None:
        raise NotFound.of("agent", request.path_params["agent_id"])
    changes = http.parse(AgentPatch, await http.json_object(request)).changes()
    if not changes:
        raise InvalidRequest("body: send at least one of is_default, is_active, system_prompt, voice_id, name")
    now = http.emulator(request).clock.now()
    if "is_active" in changes:
        agent.archived_at = None if changes["is_active"] else (agent.archived_at or now)
    names = {"system_prompt": "instructions", "voice_id": "voice", "name": "name", "is_default": "is_default"}
    for key, attr in names.items():
        if key in changes:
            setattr(agent, attr, changes[key])
    if changes.get("is_default"):
        records.clear_defaults(org, agent)
    agent.updated_at = now
    return http.respond(agent_out(agent))


class InboundCall(Body):
    from_: Annotated[str, AfterValidator(phone.normalise)] = Field(alias="from")
    to: Annotated[str, AfterValidator(phone.normalise)]
    org_id: Omittable[str] = None  # absent: the default org
    scenario: Omittable[Annotated[str, StringConstraints(min_length=1)]] = None


async def place_inbound_call(request: Request) -> Response:
    """VoxBridge routes inbound calls by number, which it has no API for: the call goes to the
    org named (else the default org) and is answered by its inbound agent (agents.resolve_inbound)."""
    emulator = http.emulator(request)
    body = http.parse(InboundCall, await http.json_object(request))
    org = emulator.services.orgs.get(body.org_id) if body.org_id is not None else emulator.default_org
    try:
        agent = agents.resolve_inbound(records.views(org))
    except VoxError as exc:
        raise InvalidRequest(exc.message) from None
    call = Call(
        id="",
        org_id=org.id,
        to_number=body.to,
        from_number=body.from_,
        direction="inbound",
        prompt=agent.system_prompt,
        language="en",
        created_at=0.0,
        updated_at=0.0,
        agent_id=agent.id,
        instructions=agent.system_prompt,
    )
    emulator.services.calls.place(org, call, body.scenario)
    call.scheduled_at = call.created_at  # answered as it rings: nothing to wait for
    touch(call)
    return http.respond(http.dialect(request).call_out(call), 201)


routes = [
    http.route("/_emulator/inbound_calls", post=place_inbound_call),
    http.route("/_emulator/orgs/{org_id}", get=get_org, patch=update_org),
    http.route("/_emulator/orgs/{org_id}/agents", get=list_agents, post=create_agent),
    http.route("/_emulator/orgs/{org_id}/agents/{agent_id}", patch=update_agent),
]

"""The control plane's VoxBridge routes: what the VoxBridge docs give no API-key route for.

``GET/POST /_emulator/orgs/{org_id}/agents``, ``PATCH /_emulator/orgs/{org_id}/agents/{agent_id}``,
and ``GET/PATCH /_emulator/orgs/{org_id}`` (webhook URL and secret, monthly minutes, minutes
used). Mounted before the shared control plane, so they answer for these paths; errors are the
control plane's ``{"error": ...}``, like every /_emulator route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.voxbridge import records
from emulator.api.voxbridge.control import AgentIn, AgentOut, AgentList, AgentPatch, OrgOut, OrgPatch
from emulator.domain.records import Agent
from emulator.domain.store import Org
from emulator.errors import NotFound


def _org(request: Request) -> Org:
    return http.emulator(request).services.orgs.get(request.path_params["org_id"])


def org_out(org: Org, now: float) -> OrgOut:
    return OrgOut(id=org.id, api_key=org.api_key, webhook_secret=org.default_signing_secret,
                  webhook_url=org.webhook_url, monthly_minutes=org.monthly_minutes or 0,
                  minutes_used=records.minutes_used(org, now))


def agent_out(agent: Agent) -> AgentOut:
    return AgentOut.model_validate(records.AgentView(agent), from_attributes=True)


async def get_org(request: Request) -> Response:
    return http.respond(org_out(_org(request), http.emulator(request).clock.now()))


async def update_org(request: Request) -> Response:
    org = _org(request)
    body = http.parse(OrgPatch, await http.json_object(request))
    for key, value in body.changes().items():
        setattr(org, key, value)
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


routes = [
    http.route("/_emulator/orgs/{org_id}", get=get_org, patch=update_org),
    http.route("/_emulator/orgs/{org_id}/agents", get=list_agents, post=create_agent),
    http.route("/_emulator/orgs/{org_id}/agents/{agent_id}", patch=update_agent),
]

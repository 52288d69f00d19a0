"""/v1/agents: agents and their attached numbers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from emulator.api import http
from emulator.api.callingbox import paging
from emulator.api.callingbox.numbers import number_out
from emulator.api.callingbox.wire import agents as wire
from emulator.api.wire.common import Page
from emulator.domain.agents import NOT_EDITABLE, not_editable
from emulator.domain.records import Agent
from emulator.domain.store import Org
from emulator.errors import InvalidRequest

AgentPage = Page[wire.Agent]
FIELDS = tuple(f for f in wire.Agent.model_fields if f != "numbers")


def agent_out(org: Org, agent: Agent) -> wire.Agent:
    data = {f: getattr(agent, f) for f in FIELDS}
    data["numbers"] = [number_out(n) for n in map(org.numbers.get, agent.number_ids) if n is not None]
    return wire.Agent.model_validate(data)


async def list_agents(request: Request) -> Response:
    org = http.org(request)
    kind = http.query_choice(request, "type", ("inbound", "outbound"))
    archived = http.query_choice(request, "include_archived", ("true", "false")) == "true"
    rows, more = org.agents.page(
        **paging.page_params(request, filters=("type", "include_archived")),
        where=lambda a: (kind is None or a.type == kind) and (archived or a.archived_at is None),
    )
    return http.respond(AgentPage(data=[agent_out(org, a) for a in rows], has_more=more))


async def create_agent(request: Request) -> Response:
    org = http.org(request)
    body = http.parse(wire.CreateAgent, await http.json_object(request))
    agent = http.emulator(request).services.agents.create(org, body.model_dump(exclude_unset=True))
    return http.respond(agent_out(org, agent), 201)


async def get_agent(request: Request) -> Response:
    org = http.org(request)
    agent = http.emulator(request).services.agents.get(org, request.path_params["agent_id"])
    return http.respond(agent_out(org, agent))


async def update_agent(request: Request) -> Response:
    org = http.org(request)
    raw = await http.json_object(request)
    for key in raw.keys() & NOT_EDITABLE.keys():
        raise InvalidRequest(not_editable(key, "/v1"))
    body = http.parse(wire.UpdateAgent, raw)
    agent = http.emulator(request).services.agents.update(
        org, request.path_params["agent_id"], body.model_dump(exclude_unset=True)
    )
    return http.respond(agent_out(org, agent))


async def archive_agent(request: Request) -> Response:
    org = http.org(request)
    await http.no_body(request)
    agent = http.emulator(request).services.agents.archive(org, request.path_params["agent_id"])
    return http.respond(agent_out(org, agent))


async def attach_number(request: Request) -> Response:
    org = http.org(request)
    body = http.parse(wire.AttachNumber, await http.json_object(request))
    agent = http.emulator(request).services.agents.attach(
        org, request.path_params["agent_id"], body.number_id, body.set_as_primary
    )
    return http.respond(agent_out(org, agent))


async def detach_number(request: Request) -> Response:
    org = http.org(request)
    await http.no_body(request)
    agent = http.emulator(request).services.agents.detach(
        org, request.path_params["agent_id"], request.path_params["number_id"]
    )
    return http.respond(agent_out(org, agent))


async def set_primary_number(request: Request) -> Response:
    org = http.org(request)
    body = http.parse(wire.SetPrimaryNumber, await http.json_object(request))
    agent = http.emulator(request).services.agents.set_primary(org, request.path_params["agent_id"], body.number_id)
    return http.respond(agent_out(org, agent))


routes = [
    http.route("/v1/agents", get=list_agents, post=create_agent),
    http.route("/v1/agents/{agent_id}", get=get_agent, patch=update_agent, delete=archive_agent),
    http.route("/v1/agents/{agent_id}/numbers", post=attach_number),
    http.route("/v1/agents/{agent_id}/numbers/{number_id}", delete=detach_number),
    http.route("/v1/agents/{agent_id}/primary-number", put=set_primary_number),
]

"""Agents and the numbers attached to them.

Rules (docs, and the emulator's decisions where the docs are silent):
- ``type`` is fixed at creation;
- a number has at most one inbound agent, any number of outbound agents;
- the first attached number becomes primary; detaching the primary promotes
  the next attached number, or leaves it null;
- archiving is a soft delete that frees the agent's numbers.
"""

from __future__ import annotations

from typing import Any

from emulator.domain.context import Context
from emulator.domain.records import Agent, Number
from emulator.domain.rules import (
    AGENT_TYPES,
    VOICEMAIL_ACTIONS,
    check_choice,
    check_language,
    check_returns,
    check_tools,
    check_url,
)
from emulator.domain.store import Org
from emulator.errors import InvalidRequest, NotFound

EDITABLE = (
    "name",
    "persona",
    "instructions",
    "voice",
    "language",
    "returns",
    "tools",
    "webhook_url",
    "voicemail_action",
)
# "{api}" is the dialect's API prefix (its routes for these operations).
NOT_EDITABLE = {
    "type": "type is fixed at creation; create a new agent instead",
    "number_ids": "attach numbers with POST {api}/agents/{id}/numbers and detach them with DELETE",
    "primary_number_id": "set the primary number with PUT {api}/agents/{id}/primary-number",
}


def not_editable(key: str, api_prefix: str) -> str:
    return f"{key}: {NOT_EDITABLE[key].replace('{api}', api_prefix)}"


class Agents:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def get(self, org: Org, agent_id: str) -> Agent:
        agent = org.agents.get(agent_id)
        if agent is None:
            raise NotFound.of("agent", agent_id)
        return agent

    def numbers_of(self, org: Org, agent: Agent) -> list[Number]:
        return [n for n in map(org.numbers.get, agent.number_ids) if n is not None]

    def create(self, org: Org, fields: dict[str, Any]) -> Agent:
        number_ids = list(dict.fromkeys(fields.pop("number_ids", None) or []))
        primary = fields.pop("primary_number_id", None)
        self._check(fields)
        check_choice("type", fields["type"], AGENT_TYPES)
        if primary is not None and primary not in number_ids:
            raise InvalidRequest("primary_number_id: must be one of number_ids")
        numbers = [self._owned_number(org, "number_ids", n) for n in number_ids]
        now = self.ctx.clock.now()
        agent = Agent(id="", org_id=org.id, user_id=org.user_id, created_at=now, updated_at=now, **fields)
        for number in numbers:
            self._check_attachable(agent, number)
        agent.id = self.ctx.ids.uuid()  # drawn only once nothing can refuse it: same seed, same ids
        org.agents.add(agent)
        for number in numbers:
            self._attach(agent, number)
        if primary is not None:
            agent.primary_number_id = primary
        return agent

    def update(self, org: Org, agent_id: str, changes: dict[str, Any]) -> Agent:
        agent = self._live(org, agent_id)
        for key in changes:
            if key in NOT_EDITABLE:
                raise InvalidRequest(not_editable(key, self.ctx.profile.api_prefix))
        self._check(changes)
        for key, value in changes.items():
            setattr(agent, key, value)
        agent.updated_at = self.ctx.clock.now()
        return agent

    def archive(self, org: Org, agent_id: str) -> Agent:
        agent = self.get(org, agent_id)
        if agent.archived_at is None:
            for number_id in list(agent.number_ids):
                self._detach(org, agent, number_id)
            agent.archived_at = agent.updated_at = self.ctx.clock.now()
        return agent

    def attach(self, org: Org, agent_id: str, number_id: str, set_as_primary: bool = False) -> Agent:
        agent = self._live(org, agent_id)
        number = self._owned_number(org, "number_id", number_id)
        if number.id not in agent.number_ids:
            self._check_attachable(agent, number)
            self._attach(agent, number)
        if set_as_primary:
            agent.primary_number_id = number.id
        agent.updated_at = self.ctx.clock.now()
        return agent

    def detach(self, org: Org, agent_id: str, number_id: str) -> Agent:
        agent = self._live(org, agent_id)
        if number_id not in agent.number_ids:
            raise NotFound(f"number {number_id} is not attached to agent {agent_id}")
        self._detach(org, agent, number_id)
        agent.updated_at = self.ctx.clock.now()
        return agent

    def set_primary(self, org: Org, agent_id: str, number_id: str) -> Agent:
        agent = self._live(org, agent_id)
        self._owned_number(org, "number_id", number_id)  # unknown or another org's: 404
        if number_id not in agent.number_ids:
            raise InvalidRequest(f"number_id: number {number_id} is not attached to agent {agent_id}; attach it first")
        agent.primary_number_id = number_id
        agent.updated_at = self.ctx.clock.now()
        return agent

    def _live(self, org: Org, agent_id: str) -> Agent:
        agent = self.get(org, agent_id)
        if agent.archived_at is not None:
            raise InvalidRequest(f"agent {agent_id} is archived")
        return agent

    def _owned_number(self, org: Org, field: str, number_id: str) -> Number:
        # Another org's number answers like one that does not exist: 404, as in a path.
        number = org.numbers.get(number_id)
        if number is None:
            raise NotFound(f"{field}: number {number_id} not found")
        return number

    def _check(self, fields: dict[str, Any]) -> None:
        if "name" in fields and not fields["name"].strip():
            raise InvalidRequest("name: must not be empty")
        if fields.get("voice") is not None and not fields["voice"].strip():
            raise InvalidRequest("voice: must not be empty")
        if fields.get("language") is not None:
            check_language("language", fields["language"])
        if fields.get("returns") is not None:
            check_returns("returns", fields["returns"])
        if fields.get("tools") is not None:
            check_tools("tools", fields["tools"])
        if fields.get("webhook_url") is not None:
            check_url("webhook_url", fields["webhook_url"], self.ctx.config.strict_webhook_urls)
        if fields.get("voicemail_action") is not None:
            check_choice("voicemail_action", fields["voicemail_action"], VOICEMAIL_ACTIONS)

    def _check_attachable(self, agent: Agent, number: Number) -> None:
        taken = number.inbound_agent_id
        if agent.type == "inbound" and taken is not None and taken != agent.id:
            raise InvalidRequest(
                f"number {number.id} ({number.e164}) is already attached to inbound agent {taken}; "
                "a number has at most one inbound agent"
            )

    def _attach(self, agent: Agent, number: Number) -> None:
        agent.number_ids.append(number.id)
        if agent.type == "inbound":
            number.inbound_agent_id = agent.id
        else:
            number.outbound_agent_ids.append(agent.id)
        if agent.primary_number_id is None:
            agent.primary_number_id = number.id

    def _detach(self, org: Org, agent: Agent, number_id: str) -> None:
        agent.number_ids.remove(number_id)
        number = org.numbers.get(number_id)
        if number is not None:
            if number.inbound_agent_id == agent.id:
                number.inbound_agent_id = None
            if agent.id in number.outbound_agent_ids:
                number.outbound_agent_ids.remove(agent.id)
        if agent.primary_number_id == number_id:
            agent.primary_number_id = agent.number_ids[0] if agent.number_ids else None

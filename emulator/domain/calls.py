"""Calls: dispatch (agent-centric, and the legacy prompt body), reads, credits hold.

A new call is complete at dispatch: every snapshot (persona, instructions,
rendered prompt, returns, language, webhook URL) is taken now, so later agent
edits never change it. Progress after dispatch is the simulation's job: it
hears the new call (a neutral status change to queued) on the bus.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import fields as dataclass_fields
from operator import attrgetter
from typing import Any

from emulator.dialect import STATUS, Change
from emulator.domain.context import Context
from emulator.domain.money import CALL_HOLD_MILLI_CENTS, dollars
from emulator.domain.phone import check_us_e164
from emulator.domain.records import Agent, Call, Event, touch
from emulator.domain.rules import VOICEMAIL_ACTIONS, check_choice, check_language, check_returns, check_tools, check_url
from emulator.domain.store import Org
from emulator.errors import InsufficientCredits, InvalidRequest, NotFound

DEFAULT_PERSONA = (
    "You are a friendly, concise AI phone agent calling on behalf of the organization. "
    "Speak naturally, confirm important details and keep the call short."
)

# Every field of a call, in __init__ order: Call(*_CALL_FIELDS(call)) is a shallow copy.
_CALL_FIELDS = attrgetter(*(f.name for f in dataclass_fields(Call) if f.init))

# Chooses how a call will go before it is kept; may raise (a refused dispatch, an unknown
# scenario). Returns what starts the call once it is kept.
Planner = Callable[[Call, "str | None"], Callable[[], None]]


def render_prompt(persona: str | None, instructions: str | None) -> str:
    return f"{persona or DEFAULT_PERSONA}\n\n{instructions or ''}".rstrip()


_ATOMS = frozenset((str, int, float, bool, type(None)))


def json_copy(value: Any) -> Any:
    """A deep copy of parsed JSON, what copy.deepcopy gives (anything else goes to it) at a
    fraction of the cost: the snapshots a call takes of its agent's returns and tools."""
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    return value if kind in _ATOMS else copy.deepcopy(value)


class Calls:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.planner: Planner | None = None

    def get(self, org: Org, call_id: str) -> Call:
        call = org.calls.get(call_id)
        if call is None:
            raise NotFound.of("call", call_id)
        return call

    def dispatch(self, org: Org, agent: Agent, fields: dict[str, Any], scenario: str | None = None) -> Call:
        """Place an outbound call from ``agent`` (already looked up in ``org``)."""
        if agent.type != "outbound":
            raise InvalidRequest(f"agent_id: agent {agent.id} is an inbound agent; only outbound agents place calls")
        if agent.archived_at is not None:
            raise InvalidRequest(f"agent_id: agent {agent.id} is archived and cannot place calls")
        if not agent.number_ids:
            raise InvalidRequest(
                f"agent_id: agent {agent.id} has no attached number; attach one with POST "
                f"{self.ctx.profile.api_prefix}/agents/{agent.id}/numbers"
            )
        to = check_us_e164("to", fields["to"])
        from_number = self._caller_id(org, agent, fields.get("from_number"))
        webhook_url = fields.get("webhook_url")
        if webhook_url is not None:
            check_url("webhook_url", webhook_url, self.ctx.config.strict_webhook_urls)
        # Present means present: even "" replaces the agent's instructions (docs: "replaces", no merge).
        instructions = fields.get("instructions", agent.instructions)
        return self._place(
            org,
            scenario,
            Call(
                id="",
                org_id=org.id,
                agent_id=agent.id,
                to_number=to,
                from_number=from_number,
                direction="outbound",
                persona=agent.persona,
                instructions=instructions,
                prompt=render_prompt(agent.persona, instructions),
                language=agent.language,
                context=fields.get("context") or {},
                metadata=fields.get("metadata") or {},
                returns=json_copy(agent.returns) if agent.returns else {},
                tools=json_copy(agent.tools),  # the agent's as they are: [] stays [], null stays null
                voicemail_action=agent.voicemail_action,
                webhook_url=webhook_url or agent.webhook_url,
                created_at=0.0,
                updated_at=0.0,
            ),
        )

    def dispatch_legacy(self, org: Org, fields: dict[str, Any], scenario: str | None = None) -> Call:
        """The prompt-based body SDK 0.1.0 sends (``--legacy-calls``)."""
        to = check_us_e164("to", fields["to"])
        from_number = self._legacy_caller_id(org, fields.get("from_number"))
        returns = check_returns("returns", fields.get("returns") or {})
        tools = fields.get("tools")
        if tools is not None:
            check_tools("tools", tools)
        language = check_language("language", fields.get("language") or "en")
        action = check_choice("voicemail_action", fields.get("voicemail_action") or "hangup", VOICEMAIL_ACTIONS)
        webhook_url = fields.get("webhook_url")
        if webhook_url is not None:
            check_url("webhook_url", webhook_url, self.ctx.config.strict_webhook_urls)
        return self._place(
            org,
            scenario,
            Call(
                id="",
                org_id=org.id,
                to_number=to,
                from_number=from_number,
                direction="outbound",
                prompt=fields.get("prompt") or self.ctx.profile.default_prompt,
                language=language,
                context=fields.get("context") or {},
                # SDK 0.1.0 reads the call's language from metadata.language.
                metadata={"language": language},
                returns=returns,
                tools=tools,
                voicemail_action=action,
                webhook_url=webhook_url,
                created_at=0.0,
                updated_at=0.0,
            ),
        )

    def receive(self, from_number: str, to: str, scenario: str | None = None) -> Call:
        """An inbound call from ``from_number`` to an org's number ``to``.

        It runs under the number's inbound agent (or the legacy per-number
        inbound config); with neither, the call is rejected and nothing is kept.
        """
        check_us_e164("from", from_number)
        check_us_e164("to", to)
        number = self.ctx.store.numbers_by_e164.get(to)
        if number is None:
            raise NotFound(f"number {to} not found: no organization owns it")
        org = self.ctx.store.orgs.get(number.org_id)
        assert org is not None
        agent = org.agents.get(number.inbound_agent_id or "")
        common: dict[str, Any] = dict(
            id="",
            org_id=org.id,
            to_number=to,
            from_number=from_number,
            direction="inbound",
            created_at=0.0,
            updated_at=0.0,
        )
        if agent is not None:
            return self._place(
                org,
                scenario,
                Call(
                    **common,
                    agent_id=agent.id,
                    persona=agent.persona,
                    instructions=agent.instructions,
                    prompt=render_prompt(agent.persona, agent.instructions),
                    language=agent.language,
                    returns=json_copy(agent.returns),
                    tools=json_copy(agent.tools),
                    voicemail_action=agent.voicemail_action,
                    webhook_url=agent.webhook_url,
                ),
            )
        if number.inbound_enabled:
            language = number.inbound_language or "en"
            return self._place(
                org,
                scenario,
                Call(
                    **common,
                    prompt=number.inbound_prompt or self.ctx.profile.default_prompt,
                    language=language,
                    metadata={"language": language},
                    returns=json_copy(number.inbound_returns or {}),
                    tools=json_copy(number.inbound_tools),
                    voicemail_action=number.inbound_voicemail_action,
                    webhook_url=number.inbound_webhook_url,
                ),
            )
        raise InvalidRequest(f"to: {to} has no inbound agent attached, so the call is rejected")

    def _caller_id(self, org: Org, agent: Agent, from_number: str | None) -> str:
        if from_number is None:
            primary = org.numbers.get(agent.primary_number_id or "")
            assert primary is not None, "an agent with numbers always has a primary"
            return primary.e164
        given_id = org.numbers.get(from_number)
        if given_id is not None:  # a number id: say what to send instead
            raise InvalidRequest(f"from_number: takes the caller ID in E.164 (like {given_id.e164}), not a number id")
        check_us_e164("from_number", from_number)
        for number_id in agent.number_ids:
            number = org.numbers.get(number_id)
            if number is not None and number.e164 == from_number:
                return from_number
        raise InvalidRequest(f"from_number: {from_number} is not attached to agent {agent.id}")

    def _legacy_caller_id(self, org: Org, from_number: str | None) -> str:
        if from_number is None:
            oldest = next((n for n in org.numbers.oldest_first() if n.status == "active"), None)
            if oldest is None:
                raise InvalidRequest(
                    "from_number: the organization has no active phone number to call from; purchase one first"
                )
            return oldest.e164
        check_us_e164("from_number", from_number)
        owned = self.ctx.store.numbers_by_e164.get(from_number)
        if owned is None or owned.org_id != org.id or owned.status != "active":
            raise InvalidRequest(f"from_number: {from_number} is not an active number of this organization")
        return from_number

    def place(self, org: Org, call: Call, scenario: str | None = None) -> Call:
        """Keep a call a dialect built whole (its own rules already checked): hold, plan, id, start."""
        return self._place(org, scenario, call)

    def _place(self, org: Org, scenario: str | None, call: Call) -> Call:
        self._reserve(org)
        call.created_at = call.updated_at = self.ctx.clock.now()
        call.hold_milli_cents = CALL_HOLD_MILLI_CENTS
        try:
            start = self.planner(call, scenario) if self.planner is not None else None
        except Exception:
            org.held_milli_cents -= CALL_HOLD_MILLI_CENTS
            raise
        # Randomness is drawn only for a call that is kept, so refused requests never move
        # the seeded stream: same seed, same ids, however many negative tests ran before.
        call.id = self.ctx.ids.uuid()
        touch(call)  # after every write to a call: renderings of it are keyed by rev
        org.calls.add(call)
        if start is not None:
            start()
        self.changed(call, None, "queued")
        return call

    def _reserve(self, org: Org) -> None:
        available = org.available_milli_cents
        if available < CALL_HOLD_MILLI_CENTS:
            short = CALL_HOLD_MILLI_CENTS - available
            raise InsufficientCredits(
                f"the balance available ({dollars(available, up=False)}) is below the {dollars(CALL_HOLD_MILLI_CENTS)} "
                f"each call holds until it ends; add {dollars(short)} or more",
                detail={
                    "reason": "call_hold",
                    "available_milli_cents": available,
                    "required_milli_cents": CALL_HOLD_MILLI_CENTS,
                },
            )
        org.held_milli_cents += CALL_HOLD_MILLI_CENTS

    def changed(self, call: Call, before: str | None, after: str) -> None:
        """The call's status moved (``before`` None: it was just made): a neutral signal."""
        self.signal(Change(STATUS, call, before, after))

    def signal(self, change: Change) -> None:
        """Publish each named event the dialect maps ``change`` to, in its order."""
        for event_type in self.ctx.profile.events(change):
            self.publish(event_type, change.call)
        if self.ctx.profile.on_change is not None:  # the dialect's own books (a quota, say)
            self.ctx.profile.on_change(self.ctx.store, change)
        self.ctx.bus.changed(change)

    def publish(self, event_type: str, call: Call) -> None:
        """Tell subscribers; the event carries a snapshot of the call as it is now."""
        # A shallow copy, 3x faster than copy.copy. The transcript list is shared, not copied:
        # the engine replaces it whole and never mutates it, so the snapshot keeps its own.
        snapshot = Call(*_CALL_FIELDS(call))
        self.ctx.bus.publish(Event(type=event_type, call=snapshot, created=self.ctx.clock.now()))

"""VoxBridge agents, pure: the two created with every org, the prompt renderer, and the
rule that picks the agent of a call sent without ``agent_id``.

Placeholders are ``{{name}}`` (spaces inside allowed): the mustache form voice-AI prompt
tools use, which plain prose and JSON examples in a prompt never contain by accident
(single braces do). A placeholder with no value stays visible as written, so a missing
context key shows in the prompt instead of vanishing silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from emulator.api.voxbridge.errors import AGENT_NOT_FOUND, NO_DEFAULT_AGENT, VoxError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]{0,63})\s*\}\}")
MIN_PROMPT = 20

DEFAULT_AGENTS: tuple[dict[str, Any], ...] = (
    {
        "name": "Welcome Call Agent",
        "slug": "welcome",
        "direction": "outbound",
        "voice_id": "warm_female",
        "is_default": True,
        "is_active": True,
        "system_prompt": (
            "You are a warm, concise assistant calling {{client_name}} on behalf of the organization. "
            "Confirm you are speaking with {{client_name}}, welcome them, and mention reference number "
            "{{reference_number}}. Answer questions briefly and end the call politely."
        ),
    },
    {
        "name": "Inbound Support Agent",
        "slug": "inbound-support",
        "direction": "inbound",
        "voice_id": "calm_support",
        "is_default": False,
        "is_active": True,
        "system_prompt": (
            "You are a calm, patient support agent answering inbound calls for the organization. "
            "Greet the caller, find out what they need, help where you can and offer a callback otherwise."
        ),
    },
)


def render_prompt(template: str, context: dict[str, Any] | None, client_name: str | None = None) -> str:
    """``template`` with ``{{key}}`` filled from ``context``; ``client_name`` (the request
    field) fills ``{{client_name}}`` over a context key of that name. Strings go in as they
    are, other values as JSON; unknown placeholders stay as written."""
    values = dict(context or {})
    if client_name is not None:
        values["client_name"] = client_name

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values or values[key] is None:
            return match.group(0)
        value = values[key]
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return PLACEHOLDER.sub(fill, template)


def placeholders(template: str) -> list[str]:
    """The names a prompt expects, in order of first use."""
    return list(dict.fromkeys(m.group(1) for m in PLACEHOLDER.finditer(template)))


def check_prompt(prompt: object) -> str:
    if not isinstance(prompt, str) or len(prompt.strip()) < MIN_PROMPT:
        raise VoxError("validation", f"system_prompt must be at least {MIN_PROMPT} characters", "system_prompt")
    return prompt


class AgentLike(Protocol):
    id: str
    direction: str
    is_default: bool
    is_active: bool
    created_at: float


A = TypeVar("A", bound=AgentLike)


def resolve(agents: Iterable[A], agent_id: str | None, direction: str = "outbound") -> A:
    """The agent of a new call: the given one if it is the org's and active (else 404), or
    the active default of that direction (else 400). Two defaults (only a snapshot can hold
    them: setting one clears the others) resolve to the oldest."""
    pool = list(agents)
    if agent_id is not None:
        wanted = agent_id.lower()
        for agent in pool:
            if agent.id.lower() == wanted and agent.is_active:
                if agent.direction != direction:
                    raise VoxError(
                        "bad_request",
                        f"Agent {agent.id} is an {agent.direction} agent; {direction} calls need an {direction} agent",
                    )
                return agent
        raise VoxError("not_found", AGENT_NOT_FOUND)
    defaults = [a for a in pool if a.is_default and a.is_active and a.direction == direction]
    if not defaults:
        raise VoxError("bad_request", NO_DEFAULT_AGENT)
    return min(defaults, key=lambda a: (a.created_at, a.id))


def resolve_inbound(agents: Iterable[A]) -> A:
    """The agent that answers a simulated inbound call (VoxBridge routes by DID, which the
    emulator has no API for): the active inbound default, else the oldest active inbound
    agent (the signup's Inbound Support Agent is not a default); none: a 400."""
    pool = [a for a in agents if a.is_active and a.direction == "inbound"]
    if not pool:
        raise VoxError("bad_request", "No active inbound agent configured")
    return min(pool, key=lambda a: (not a.is_default, a.created_at, a.id))


def others_to_clear(agents: Iterable[A], new_default: A) -> list[A]:
    """Setting ``is_default`` on one agent clears it on the rest of its direction (the docs:
    only one "should" be the default; the emulator keeps it so)."""
    return [a for a in agents if a is not new_default and a.is_default and a.direction == new_default.direction]

"""VoxBridge's records on the core's neutral ones: agents (a view of the core Agent), what an
org starts with, and its minute usage.

An agent is a core ``Agent``: ``name``, ``slug`` and ``is_default`` as they are, ``direction``
its ``type``, ``system_prompt`` its ``instructions``, ``voice_id`` its ``voice``, and
``is_active`` while it is not archived (``archived_at``; unlike the other dialect, it can be
switched back on). Usage lives on the org (``usage_period``, ``usage_minutes``) so snapshots
carry it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulator.api.voxbridge import agents, quota
from emulator.dialect import ENDED, Change
from emulator.domain.records import Agent
from emulator.domain.store import Org


class AgentView:
    """A core agent under VoxBridge's names (what agents.py, outbound.py and AgentOut read)."""

    __slots__ = ("agent",)

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    id = property(lambda self: self.agent.id)
    org_id = property(lambda self: self.agent.org_id)
    name = property(lambda self: self.agent.name)
    slug = property(lambda self: self.agent.slug or "")
    direction = property(lambda self: self.agent.type)
    voice_id = property(lambda self: self.agent.voice)
    system_prompt = property(lambda self: self.agent.instructions or "")
    is_default = property(lambda self: self.agent.is_default)
    is_active = property(lambda self: self.agent.archived_at is None)
    created_at = property(lambda self: self.agent.created_at)
    updated_at = property(lambda self: self.agent.updated_at)


def views(org: Org) -> Iterator[AgentView]:
    return (AgentView(a) for a in org.agents.oldest_first())


def new_agent(ctx: Any, org: Org, fields: dict[str, Any]) -> Agent:
    """A core agent from VoxBridge fields (name, slug, direction, voice_id, system_prompt,
    is_default, is_active); its id is drawn last, once nothing can refuse it."""
    now = ctx.clock.now()
    agent = Agent(
        id="",
        org_id=org.id,
        user_id=org.user_id,
        name=fields["name"],
        type=fields["direction"],
        created_at=now,
        updated_at=now,
        instructions=fields["system_prompt"],
        voice=fields["voice_id"],
        slug=fields["slug"],
        is_default=fields["is_default"],
        archived_at=None if fields["is_active"] else now,
    )
    if agent.is_default:
        clear_defaults(org, agent)
    agent.id = ctx.ids.uuid()
    org.agents.add(agent)
    return agent


def clear_defaults(org: Org, agent: Agent) -> None:
    """Setting ``is_default`` on one agent clears it on the others of its direction."""
    pool = [v for v in views(org) if v.agent is not agent]
    for other in agents.others_to_clear([*pool, target := AgentView(agent)], target):
        other.agent.is_default = False


def signup(ctx: Any, org: Org) -> None:
    """What every org starts with: the two default agents and the default monthly minutes."""
    org.monthly_minutes = quota.DEFAULT_MONTHLY_MINUTES
    for spec in agents.DEFAULT_AGENTS:
        new_agent(ctx, org, spec)


def monthly_minutes(org: Org) -> int:
    """The org's quota; one made under another dialect (a state file carried over) has the default."""
    return quota.DEFAULT_MONTHLY_MINUTES if org.monthly_minutes is None else org.monthly_minutes


def usage(org: Org) -> quota.Usage:
    return quota.Usage(org.usage_period, org.usage_minutes)


def minutes_used(org: Org, now: float) -> int:
    return usage(org).this_month(now)


def on_change(store: Any, change: Change) -> None:
    """An answered call's line dropped: its connected minutes count against the month it ended in."""
    call = change.call
    if change.kind != ENDED or call.ended_at is None or not call.billed_duration_seconds:
        return
    org = store.orgs.get(call.org_id)
    if org is not None:
        counted = usage(org)
        counted.record(call.ended_at, call.billed_duration_seconds)
        org.usage_period, org.usage_minutes = counted.period, counted.minutes

"""``POST /v1/calls/outbound`` as one pure step: the docs' order (resolve the agent, check
the quota), then everything the core keeps for the new call.

The handler stores the result, which fires call.queued, and schedules the first dial at
``dial_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from emulator.api.voxbridge import agents, quota
from emulator.api.voxbridge.errors import VoxError
from emulator.api.voxbridge.wire import OutboundCallRequest

# The latest instant the emulator's clock can be moved to (a week of retries still fits).
LATEST = datetime(9999, 12, 24, 23, 59, 59, tzinfo=UTC).timestamp()


class OutboundAgent(agents.AgentLike, Protocol):
    system_prompt: str
    voice_id: str


@dataclass(frozen=True, slots=True)
class NewCall:
    agent_id: str
    direction: str
    to_number: str
    from_number: str | None
    client_name: str | None
    context: dict[str, Any]
    metadata: dict[str, Any]
    prompt: str
    voice_id: str
    webhook_url: str | None
    max_attempts: int
    attempt_count: int
    scheduled_at: float
    dial_at: float


def plan(
    request: OutboundCallRequest, pool: Iterable[OutboundAgent], used_minutes: int, monthly_minutes: int, now: float
) -> NewCall:
    """400 / 404 for the agent, 402 for the quota (in that order, as the docs list the
    steps), 422 for a schedule past the clock's range; else the call to keep."""
    agent = agents.resolve(pool, request.agent_id)
    quota.check(used_minutes, monthly_minutes)
    scheduled = now if request.schedule_at is None else request.schedule_at
    if scheduled > LATEST:
        raise VoxError(
            "validation", "schedule_at is past 9999-12-24T23:59:59Z, the latest the clock reaches", "schedule_at"
        )
    return NewCall(
        agent_id=agent.id,
        direction="outbound",
        to_number=request.to,
        from_number=request.from_,
        client_name=request.client_name,
        context=dict(request.context or {}),
        metadata=dict(request.metadata or {}),
        prompt=agents.render_prompt(agent.system_prompt, request.context, request.client_name),
        voice_id=agent.voice_id,
        webhook_url=request.webhook_url,
        max_attempts=request.max_attempts,
        attempt_count=0,
        scheduled_at=scheduled,
        dial_at=max(now, scheduled),  # a time in the past dials at once; scheduled_at keeps what was asked
    )

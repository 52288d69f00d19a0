"""Creating an outbound call, as one pure step: agent, quota, schedule, prompt, in the docs' order."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from emulator.api.voxbridge import outbound
from emulator.api.voxbridge.agents import DEFAULT_AGENTS
from emulator.api.voxbridge.errors import VoxError
from emulator.api.voxbridge.wire import OutboundCallRequest

from .calls import T0
from .seeds import REQUEST


@dataclass
class Agent:
    id: str
    direction: str
    is_default: bool
    is_active: bool
    created_at: float
    system_prompt: str
    voice_id: str


SIGNUP = [
    Agent(f"agent-{i}", a["direction"], a["is_default"], True, 0.0, a["system_prompt"], a["voice_id"])
    for i, a in enumerate(DEFAULT_AGENTS)
]


def request(**fields: object) -> OutboundCallRequest:
    return OutboundCallRequest.model_validate({"to": "+15551234567", **fields})


def test_the_docs_example_uses_the_welcome_agent_and_fills_its_prompt() -> None:
    new = outbound.plan(OutboundCallRequest.model_validate(json.loads(REQUEST)), SIGNUP, 0, 1000, T0)
    assert (new.agent_id, new.voice_id, new.direction) == ("agent-0", "warm_female", "outbound")
    assert (new.to_number, new.from_number, new.client_name) == ("+15551234567", "+15559876543", "Jane Doe")
    assert "speaking with Jane Doe" in new.prompt and "398690" in new.prompt
    assert new.context == {"reference_number": "398690", "product": "personal_loan"}
    assert (new.scheduled_at, new.dial_at, new.attempt_count, new.max_attempts) == (T0, T0, 0, 3)
    assert new.webhook_url == "https://partner.example/hooks/voice" and new.metadata == {"crm_id": "lead_8821"}


def test_a_schedule_waits_and_a_past_one_dials_at_once() -> None:
    later = outbound.plan(request(schedule_at="2026-06-01T15:00:00Z"), SIGNUP, 0, 1000, T0)
    assert later.scheduled_at == later.dial_at == T0 + 3600
    past = outbound.plan(request(schedule_at="2026-06-01T13:00:00Z"), SIGNUP, 0, 1000, T0)
    assert (past.scheduled_at, past.dial_at) == (T0 - 3600, T0)
    with pytest.raises(VoxError) as caught:
        outbound.plan(request(schedule_at="9999-12-30T00:00:00Z"), SIGNUP, 0, 1000, T0)
    assert (caught.value.kind, caught.value.field) == ("validation", "schedule_at")


def test_agent_errors_come_before_the_quota() -> None:
    with pytest.raises(VoxError) as caught:
        outbound.plan(request(), SIGNUP[1:], 1000, 1000, T0)
    assert caught.value.message == "No default agent configured"
    with pytest.raises(VoxError) as caught:
        outbound.plan(request(agent_id="6ba7b810-9dad-11d1-80b4-00c04fd430c8"), SIGNUP, 1000, 1000, T0)
    assert caught.value.message == "Agent not found or inactive"
    with pytest.raises(VoxError) as caught:
        outbound.plan(request(), SIGNUP, 1000, 1000, T0)
    assert caught.value.message == "Monthly minute limit reached"

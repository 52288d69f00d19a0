"""Control-plane bodies for agents and org settings: strict, with the defaults decided."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from emulator.api.voxbridge.agents import DEFAULT_AGENTS
from emulator.api.voxbridge.control import AgentIn, AgentOut, AgentPatch, OrgPatch, slugify
from emulator.api.voxbridge.errors import validation_body

PROMPT = "You are a helpful agent calling {{client_name}}."


def refused(model: type, body: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return validation_body(caught.value)["detail"]


def test_each_default_agent_is_a_valid_agent_body() -> None:
    for agent in DEFAULT_AGENTS:
        parsed = AgentIn.model_validate(agent)
        assert (parsed.resolved_slug(), parsed.resolved_voice()) == (agent["slug"], agent["voice_id"])


def test_slug_and_voice_default_from_name_and_direction() -> None:
    outbound = AgentIn.model_validate({"name": "Loan Reminders (v2)", "system_prompt": PROMPT})
    assert (outbound.resolved_slug(), outbound.resolved_voice(), outbound.direction) == (
        "loan-reminders-v2",
        "warm_female",
        "outbound",
    )
    inbound = AgentIn.model_validate({"name": "Front desk", "system_prompt": PROMPT, "direction": "inbound"})
    assert inbound.resolved_voice() == "calm_support" and not inbound.is_default and inbound.is_active
    assert slugify("!!!") == "agent" and len(slugify("x" * 200)) == 64


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "A", "system_prompt": "too short"}, "system_prompt"),
        ({"name": "A", "system_prompt": " " * 30}, "system_prompt"),
        ({"name": "", "system_prompt": PROMPT}, "name"),
        ({"name": "A", "system_prompt": PROMPT, "slug": "Not A Slug"}, "slug"),
        ({"name": "A", "system_prompt": PROMPT, "direction": "sideways"}, "direction"),
        ({"name": "A", "system_prompt": PROMPT, "is_default": "yes"}, "is_default"),
        ({"name": "A", "system_prompt": PROMPT, "voice_id": None}, "voice_id"),
        ({"name": "A", "system_prompt": PROMPT, "returns": {}}, "returns"),
        ({"system_prompt": PROMPT}, "name"),
    ],
)
def test_bad_agent_bodies_name_the_field(body: dict[str, Any], field: str) -> None:
    assert field in [issue["loc"][1] for issue in refused(AgentIn, body)]


def test_a_patch_changes_only_what_it_sends() -> None:
    assert AgentPatch.model_validate({}).changes() == {}
    assert AgentPatch.model_validate({"is_default": True, "voice_id": "calm_support"}).changes() == {
        "is_default": True,
        "voice_id": "calm_support",
    }
    assert refused(AgentPatch, {"is_active": None})[0]["loc"] == ["body", "is_active"]
    assert refused(AgentPatch, {"direction": "inbound"})[0]["type"] == "extra_forbidden"


def test_org_patch_sets_or_clears_the_webhook_url_and_sets_minutes() -> None:
    assert OrgPatch.model_validate({"webhook_url": None}).changes() == {"webhook_url": None}
    assert OrgPatch.model_validate({"webhook_url": "http://127.0.0.1:9000/h", "monthly_minutes": 0}).changes() == {
        "webhook_url": "http://127.0.0.1:9000/h",
        "monthly_minutes": 0,
    }
    for body in (
        {"monthly_minutes": -1},
        {"monthly_minutes": None},
        {"monthly_minutes": 10**8},
        {"webhook_url": "mailto:x@example.com"},
        {"balance_milli_cents": 5},
    ):
        assert refused(OrgPatch, body)


def test_agent_out_renders_timestamps_like_the_call() -> None:
    out = AgentOut(
        id="a",
        org_id="o",
        name="n",
        slug="s",
        direction="outbound",
        voice_id="v",
        system_prompt=PROMPT,
        is_default=True,
        is_active=True,
        created_at=1780322400.0,
        updated_at=1780322400.25,
    )
    shown = json.loads(out.model_dump_json())
    assert (shown["created_at"], shown["updated_at"]) == ("2026-06-01T14:00:00Z", "2026-06-01T14:00:00.250000Z")

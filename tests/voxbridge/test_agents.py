"""Default agents, the prompt renderer and the default-agent rule."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from emulator.api.voxbridge import agents
from emulator.api.voxbridge.errors import VoxError


@dataclass
class Agent:
    id: str
    direction: str = "outbound"
    is_default: bool = False
    is_active: bool = True
    created_at: float = 0.0


def test_the_two_default_agents_are_the_docs_signup_table() -> None:
    rows = [(a["name"], a["slug"], a["direction"], a["voice_id"], a["is_default"]) for a in agents.DEFAULT_AGENTS]
    assert rows == [
        ("Welcome Call Agent", "welcome", "outbound", "warm_female", True),
        ("Inbound Support Agent", "inbound-support", "inbound", "calm_support", False),
    ]
    for agent in agents.DEFAULT_AGENTS:
        assert agents.check_prompt(agent["system_prompt"]) and agent["is_active"]
    assert agents.placeholders(agents.DEFAULT_AGENTS[0]["system_prompt"]) == ["client_name", "reference_number"]


def test_the_welcome_prompt_is_filled_from_the_docs_example_request() -> None:
    prompt = agents.render_prompt(
        agents.DEFAULT_AGENTS[0]["system_prompt"],
        {"reference_number": "398690", "product": "personal_loan"},
        "Jane Doe",
    )
    assert "Confirm you are speaking with Jane Doe" in prompt and "reference number 398690" in prompt
    assert "{{" not in prompt


def test_render_prompt_rules() -> None:
    template = "Hi {{ client_name }}, about {{product}} ({{amount}}): {{missing}} {x} {{ bad key }}"
    got = agents.render_prompt(template, {"product": "a loan", "amount": {"usd": 5}, "client_name": "ctx"}, "Jane")
    assert got == 'Hi Jane, about a loan ({"usd": 5}): {{missing}} {x} {{ bad key }}'
    assert agents.render_prompt("{{client_name}}", {"client_name": "From context"}) == "From context"
    assert agents.render_prompt("{{n}}", {"n": None}) == "{{n}}"
    assert agents.render_prompt("{{n}}", None) == "{{n}}"
    assert agents.render_prompt("{{n}}", {"n": "{{n}}"}) == "{{n}}"  # filled once, not recursively


@pytest.mark.parametrize("prompt", ["too short", " " * 40, None, 5])
def test_prompts_have_at_least_20_characters(prompt: object) -> None:
    with pytest.raises(VoxError) as caught:
        agents.check_prompt(prompt)
    assert caught.value.kind == "validation" and caught.value.field == "system_prompt"


def test_an_explicit_agent_must_be_the_orgs_and_active() -> None:
    pool = [Agent("a1"), Agent("a2", is_active=False)]
    assert agents.resolve(pool, "A1").id == "a1"
    for missing in ("a2", "zz"):
        with pytest.raises(VoxError) as caught:
            agents.resolve(pool, missing)
        assert (caught.value.kind, caught.value.message) == ("not_found", "Agent not found or inactive")


def test_an_inbound_agent_cannot_place_an_outbound_call() -> None:
    with pytest.raises(VoxError) as caught:
        agents.resolve([Agent("in", direction="inbound")], "in")
    assert caught.value.kind == "bad_request" and "inbound agent" in caught.value.message


def test_without_agent_id_the_active_default_outbound_agent() -> None:
    pool = [
        Agent("old", is_default=True, is_active=False, created_at=1),
        Agent("inb", "inbound", True, created_at=2),
        Agent("new", is_default=True, created_at=5),
        Agent("newer", is_default=True, created_at=9),
        Agent("plain", created_at=0),
    ]
    assert agents.resolve(pool, None).id == "new"


def test_no_default_is_a_400() -> None:
    for pool in (
        [],
        [Agent("a")],
        [Agent("a", is_default=True, is_active=False)],
        [Agent("a", direction="inbound", is_default=True)],
    ):
        with pytest.raises(VoxError) as caught:
            agents.resolve(pool, None)
        assert (caught.value.kind, caught.value.message) == ("bad_request", "No default agent configured")


def test_setting_a_default_clears_the_others_of_its_direction() -> None:
    a, b, c = Agent("a", is_default=True), Agent("b"), Agent("c", "inbound", is_default=True)
    assert agents.others_to_clear([a, b, c], b) == [a]


def test_an_inbound_call_is_answered_by_the_inbound_default_or_the_oldest_inbound_agent() -> None:
    signup = [Agent("welcome", is_default=True, created_at=0), Agent("support", "inbound", created_at=0)]
    assert agents.resolve_inbound(signup).id == "support"
    later = [
        *signup,
        Agent("vip", "inbound", is_default=True, created_at=9),
        Agent("gone", "inbound", created_at=-1, is_active=False),
    ]
    assert agents.resolve_inbound(later).id == "vip"
    with pytest.raises(VoxError) as caught:
        agents.resolve_inbound([Agent("welcome", is_default=True), Agent("off", "inbound", is_active=False)])
    assert caught.value.kind == "bad_request"

"""What a new user sends first: the docs' own example bodies and phone numbers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import error_of

# Every number the CallingBox docs use in an example (seeds 000-003, the guides, the API reference).
DOCS_NUMBERS = ["+15551234567", "+15557654321", "+15559876543", "+15554567890", "+14155551234", "+14155550123"]


async def test_the_seed_000_example_dispatch_is_accepted(client: httpx.AsyncClient, api: Any) -> None:
    """POST /v1/calls with the body of the API reference example (seed 000), with the
    placeholder agent and caller id replaced by this org's own."""
    caller = await api.ok("POST", "/v1/numbers/purchase", 201, json={"phone_number": "+15557654321"})
    agent = await api.ok(
        "POST",
        "/v1/agents",
        201,
        json={
            "name": "Appointment reminders",
            "type": "outbound",
            "number_ids": [caller["id"]],
            "instructions": "Remind the patient of their appointment.",
        },
    )
    body = {
        "agent_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",  # the reference page's placeholder id
        "to": "+15551234567",
        "from_number": "+15557654321",
        "instructions": "Confirm tomorrow's 3pm appointment with Dr. Chen.",
        "context": {"patient_name": "Jane Doe", "appointment_time": "2026-04-15T15:00:00Z"},
        "webhook_url": "https://yourapp.example.com/webhooks/callingbox",
        "metadata": {"crm_id": "abc-123"},
    }
    r = await client.post("/v1/calls", json={**body, "agent_id": agent["id"]})
    assert r.status_code == 201, r.text
    call = r.json()
    assert (call["agent_id"], call["to_number"], call["from_number"]) == (agent["id"], "+15551234567", "+15557654321")
    assert (call["instructions"], call["webhook_url"]) == (body["instructions"], body["webhook_url"])
    assert (call["context"], call["metadata"]) == (body["context"], body["metadata"])
    # Verbatim, the placeholder agent is simply one this org does not have.
    error_of(await client.post("/v1/calls", json=body), 404, "agent 3c90c3cc-0d44-4b50-8888-8dd25736052a not found")


@pytest.mark.parametrize("number", DOCS_NUMBERS)
async def test_every_number_the_docs_use_can_be_called(client: httpx.AsyncClient, api: Any, number: str) -> None:
    agent = await api.agent()
    r = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": number})
    assert r.status_code == 201, r.text
    assert r.json()["to_number"] == number


@pytest.mark.parametrize("number", DOCS_NUMBERS)
async def test_every_number_the_docs_use_can_be_bought(api: Any, number: str) -> None:
    bought = await api.ok("POST", "/v1/numbers/purchase", 201, json={"phone_number": number})
    assert bought["e164"] == number


@pytest.mark.parametrize(
    "to, needles",
    [
        ("+442071234567", ("to: +442071234567 is not a US number", "only US (+1)")),
        ("+1555123456", ("10 digits",)),
        ("+155512345678", ("10 digits",)),
        ("+10551234567", ("area code cannot start with 0 or 1",)),
        ("+11551234567", ("area code cannot start with 0 or 1",)),
        ("15551234567", ("is not an E.164 phone number", "like +15551234567")),
        ("+1555123456７", ("is not an E.164 phone number",)),
        ("+15551234567\n", ("is not an E.164 phone number",)),
    ],
)
async def test_non_us_and_malformed_numbers_are_refused_truthfully(
    client: httpx.AsyncClient, api: Any, to: str, needles: tuple[str, ...]
) -> None:
    agent = await api.agent()
    message = error_of(await client.post("/v1/calls", json={"agent_id": agent["id"], "to": to}), 400, *needles)
    # The example a refusal cites must itself be accepted.
    if "like " in message:
        example = message.rsplit("like ", 1)[1].rstrip(")")
        assert (await client.post("/v1/calls", json={"agent_id": agent["id"], "to": example})).status_code == 201


@pytest.fixture
async def legacy() -> AsyncIterator[httpx.AsyncClient]:
    emulator = Emulator(Config(legacy_calls=True))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(emulator)),
        base_url="http://emulator.test",
        headers={"Authorization": "Bearer sk_test_emulator"},
    ) as c:
        yield c


async def test_legacy_calls_take_the_docs_numbers(legacy: httpx.AsyncClient) -> None:
    r = await legacy.post("/v1/numbers/purchase", json={"phone_number": "+15559876543"})
    assert r.status_code == 201, r.text
    r = await legacy.post("/v1/calls", json={"to": "+15551234567", "prompt": "Hello", "from_number": "+15559876543"})
    assert r.status_code == 201, r.text
    assert (r.json()["to_number"], r.json()["from_number"]) == ("+15551234567", "+15559876543")


async def test_present_instructions_replace_the_agents_even_when_empty(client: httpx.AsyncClient, api: Any) -> None:
    """Docs (outbound-calls): a per-call `instructions` replaces the agent's, no merge."""
    agent = await api.agent(persona="You are Sam.", instructions="Confirm the appointment.")
    emptied = await api.call(agent["id"], instructions="")
    assert (emptied["instructions"], emptied["prompt"]) == ("", "You are Sam.")
    absent = await api.call(agent["id"])
    assert absent["instructions"] == "Confirm the appointment."
    assert absent["prompt"] == "You are Sam.\n\nConfirm the appointment."
    error_of(
        await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006", "instructions": None}),
        400,
        "instructions",
        "null",
    )


async def test_calls_carry_the_agents_tools_as_they_are(api: Any) -> None:
    tools = [{"type": "builtin", "name": "end_call"}]
    for given in ([], tools):
        agent = await api.agent(tools=given)
        assert agent["tools"] == given
        assert (await api.call(agent["id"]))["tools"] == given

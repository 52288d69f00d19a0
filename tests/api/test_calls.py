"""/v1/calls: dispatch from an agent, validation, credits, list, get, transcript; legacy calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import MAGIC_TO, TIMESTAMP_RE, UUID_RE, error_of, ids, new_id, org_state, page, set_balance

CALL_KEYS = {
    "id",
    "agent_id",
    "to_number",
    "from_number",
    "status",
    "direction",
    "persona",
    "instructions",
    "prompt",
    "context",
    "returns",
    "result",
    "result_status",
    "result_error",
    "language",
    "webhook_url",
    "webhook_status",
    "webhook_error",
    "tools",
    "created_at",
    "started_at",
    "answered_at",
    "ended_at",
    "duration_seconds",
    "billed_duration_seconds",
    "billing_amount_milli_cents",
    "reservation_status",
    "error_code",
    "error_message",
    "hangup_cause",
    "answered_by",
    "metadata",
    "updated_at",
}
HOLD = 300_000  # $3.00 in milli-cents
TOOLS = [{"type": "builtin", "name": "end_call"}]
AGENT = {
    "persona": "You are Sam from Dr. Chen's office.",
    "instructions": "Confirm tomorrow's 3pm appointment.",
    "language": "es",
    "returns": {"confirmed": "boolean", "reschedule_to": "string"},
    "tools": TOOLS,
    "voicemail_action": "leave_message",
    "webhook_url": "https://hooks.example.test/agent",
}


async def post_call(client: httpx.AsyncClient, agent_id: str, **fields: Any) -> httpx.Response:
    return await client.post("/v1/calls", json={"agent_id": agent_id, "to": MAGIC_TO, **fields})


# ---- dispatch ----------------------------------------------------------------------------


async def test_dispatch_answers_201_with_the_call_as_dispatched(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=2, **AGENT)
    r = await post_call(client, agent["id"])
    assert r.status_code == 201, r.text
    call = r.json()
    assert set(call) == CALL_KEYS
    assert UUID_RE.match(call["id"])
    assert TIMESTAMP_RE.match(call["created_at"]) and call["updated_at"] == call["created_at"]
    expected = {
        "agent_id": agent["id"],
        "to_number": MAGIC_TO,
        "from_number": agent["numbers"][0]["e164"],  # the primary number
        "status": "queued",
        "direction": "outbound",
        "persona": AGENT["persona"],
        "instructions": AGENT["instructions"],
        "prompt": f"{AGENT['persona']}\n\n{AGENT['instructions']}",
        "context": {},
        "returns": AGENT["returns"],
        "result": None,
        "result_status": "pending",
        "result_error": None,
        "language": "es",
        "webhook_url": AGENT["webhook_url"],
        "webhook_status": "pending",  # an inline delivery is on its way to webhook_url
        "webhook_error": None,
        "tools": TOOLS,
        "started_at": None,
        "answered_at": None,
        "ended_at": None,
        "duration_seconds": None,
        "billed_duration_seconds": None,
        "billing_amount_milli_cents": None,
        "reservation_status": "reserved",
        "error_code": None,
        "error_message": None,
        "hangup_cause": None,
        "answered_by": None,
        "metadata": {},
    }
    assert {k: call[k] for k in expected} == expected


async def test_dispatch_of_a_bare_agent(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = (await post_call(client, agent["id"])).json()
    # The agent's tools as they are: a bare agent has `tools: []`, and so do its calls.
    assert agent["tools"] == []
    assert (call["persona"], call["instructions"], call["returns"], call["tools"]) == (None, None, {}, [])
    assert (call["language"], call["webhook_url"], call["webhook_status"]) == ("en", None, "none")
    # No persona: the prompt is rendered from the default persona.
    assert isinstance(call["prompt"], str) and len(call["prompt"]) > 20


async def test_per_call_fields_override_the_agent(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=2, **AGENT)
    second = agent["numbers"][1]["e164"]
    body = {
        "from_number": second,
        "instructions": "Ask about a new date instead.",
        "webhook_url": "https://hooks.example.test/call",
        "context": {"patient": {"name": "Ada"}, "slots": [1, 2]},
        "metadata": {"crm_id": "42", "tags": ["vip"]},
    }
    call = (await post_call(client, agent["id"], **body)).json()
    assert call["from_number"] == second
    assert call["instructions"] == body["instructions"]  # replaces, never merges
    assert call["prompt"] == f"{AGENT['persona']}\n\n{body['instructions']}"
    assert call["webhook_url"] == body["webhook_url"]
    assert (call["context"], call["metadata"]) == (body["context"], body["metadata"])
    assert call["persona"] == AGENT["persona"]


async def test_agent_edits_after_dispatch_do_not_change_the_call(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=2, **AGENT)
    call = (await post_call(client, agent["id"])).json()
    await api.ok(
        "PATCH",
        f"/v1/agents/{agent['id']}",
        json={
            "persona": "Someone else",
            "instructions": "Other task",
            "language": "en",
            "returns": {"x": "number"},
            "tools": [],
            "webhook_url": None,
            "voicemail_action": "hangup",
        },
    )
    await api.ok("PUT", f"/v1/agents/{agent['id']}/primary-number", json={"number_id": agent["numbers"][1]["id"]})
    assert await api.ok("GET", f"/v1/calls/{call['id']}") == call
    # ...and the next call takes the new config.
    later = (await post_call(client, agent["id"])).json()
    assert (later["persona"], later["language"], later["returns"]) == ("Someone else", "en", {"x": "number"})
    assert later["from_number"] == agent["numbers"][1]["e164"]


async def test_dispatch_from_an_archived_agent_still_reads_old_calls(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = (await post_call(client, agent["id"])).json()
    await api.ok("DELETE", f"/v1/agents/{agent['id']}")
    assert await api.ok("GET", f"/v1/calls/{call['id']}") == call


# ---- dispatch validation -----------------------------------------------------------------


async def test_unknown_agent_is_404(client: httpx.AsyncClient) -> None:
    agent_id = new_id()
    error_of(await post_call(client, agent_id), 404, f"agent {agent_id} not found")


async def test_inbound_agent_cannot_dispatch(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(type="inbound")
    error_of(await post_call(client, agent["id"]), 400, "agent_id", "inbound")


async def test_archived_agent_cannot_dispatch(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    await api.ok("DELETE", f"/v1/agents/{agent['id']}")
    error_of(await post_call(client, agent["id"]), 400, "agent_id", "archived")


async def test_agent_without_numbers_cannot_dispatch(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(numbers=0)
    error_of(await post_call(client, agent["id"]), 400, "agent_id", "no attached number")


async def test_from_number_must_be_attached_to_the_agent(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    other = await api.buy_number()  # owned by the org, but not on this agent
    error_of(await post_call(client, agent["id"], from_number=other["e164"]), 400, "from_number", "not attached")
    error_of(await post_call(client, agent["id"], from_number="+14155550199"), 400, "from_number")
    error_of(await post_call(client, agent["id"], from_number=agent["primary_number_id"]), 400, "from_number", "E.164")


@pytest.mark.parametrize(
    "to, needles",
    [
        ("5551234567", ("to", "E.164")),
        ("+1 555 123 4567", ("to", "E.164")),
        ("", ("to",)),
        ("+442071234567", ("to", "US")),
        ("+33123456789", ("to", "US")),
        (15551234567, ("to", "string")),
        (None, ("to",)),
    ],
)
async def test_to_must_be_us_e164(client: httpx.AsyncClient, api: Any, to: Any, needles: tuple[str, ...]) -> None:
    agent = await api.agent()
    error_of(await client.post("/v1/calls", json={"agent_id": agent["id"], "to": to}), 400, *needles)


@pytest.mark.parametrize(
    "field, value",
    [
        ("persona", "You are Bob."),
        ("voice", "verse"),
        ("language", "es"),
        ("returns", {"ok": "boolean"}),
        ("tools", TOOLS),
        ("voicemail_action", "leave_message"),
    ],
)
async def test_agent_fields_are_refused_on_the_call(
    client: httpx.AsyncClient, api: Any, field: str, value: Any
) -> None:
    agent = await api.agent()
    message = error_of(await post_call(client, agent["id"], **{field: value}), 400, "lives on the agent")
    assert message.startswith(f"{field}:")


@pytest.mark.parametrize(
    "body, needles",
    [
        ({"to": MAGIC_TO}, ("agent_id", "--legacy-calls")),
        ({"to": MAGIC_TO, "prompt": "Say hi"}, ("agent_id", "--legacy-calls")),
        ({"agent_id": "agt_123", "to": MAGIC_TO}, ("agent_id", "UUID")),
        ({"agent_id": None, "to": MAGIC_TO}, ("agent_id",)),
        ({"agent_id": "{agent}"}, ("to", "required")),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "priority": "high"}, ("priority", "not a known field")),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "prompt": "hi"}, ("prompt", "not a known field")),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "context": ["a"]}, ("context", "object")),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "metadata": "x"}, ("metadata", "object")),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "context": None}, ("context", "null")),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "instructions": 5}, ("instructions", "string")),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "webhook_url": "not a url"}, ("webhook_url",)),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "webhook_url": ""}, ("webhook_url",)),
        ({"agent_id": "{agent}", "to": MAGIC_TO, "from_number": 5}, ("from_number", "string")),
    ],
)
async def test_bad_call_bodies_are_400(
    client: httpx.AsyncClient, api: Any, org_id: str, body: dict[str, Any], needles: tuple[str, ...]
) -> None:
    agent = await api.agent()
    body = {k: (agent["id"] if v == "{agent}" else v) for k, v in body.items()}
    held = (await org_state(client, org_id))["held_milli_cents"]
    error_of(await client.post("/v1/calls", json=body), 400, *needles)
    assert (await org_state(client, org_id))["held_milli_cents"] == held
    assert (await page(client, "/v1/calls"))["data"] == []


# ---- credits -----------------------------------------------------------------------------


async def test_each_call_holds_three_dollars(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    agent = await api.agent()
    before = await org_state(client, org_id)
    await api.call(agent["id"])
    await api.call(agent["id"])
    after = await org_state(client, org_id)
    assert after["held_milli_cents"] == before["held_milli_cents"] + 2 * HOLD
    assert after["balance_milli_cents"] == before["balance_milli_cents"]  # a hold, not a charge


async def test_below_the_hold_calls_pause_with_402(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    agent = await api.agent()
    await set_balance(client, org_id, HOLD)
    first = await api.call(agent["id"])
    r = await post_call(client, agent["id"])
    assert error_of(r, 402) == (
        "Calls paused. Your balance is $0.00 but each call requires a $3.00 hold "
        "(we release it back if no one answers). Add $3.00 or more in credits to keep calling."
    )
    assert (await org_state(client, org_id))["held_milli_cents"] == HOLD
    assert ids((await page(client, "/v1/calls"))["data"]) == [first["id"]]


async def test_the_402_message_matches_the_docs_example(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    agent = await api.agent()
    await set_balance(client, org_id, 188_000)
    assert error_of(await post_call(client, agent["id"]), 402) == (
        "Calls paused. Your balance is $1.88 but each call requires a $3.00 hold "
        "(we release it back if no one answers). Add $1.12 or more in credits to keep calling."
    )
    # Fractions of a cent: the balance is never overstated, the top-up never understated.
    await set_balance(client, org_id, 187_500)
    error_of(await post_call(client, agent["id"]), 402, "Your balance is $1.87 ", "Add $1.13 or more")
    assert (await org_state(client, org_id))["held_milli_cents"] == 0


# ---- list, get, transcript ---------------------------------------------------------------


async def test_list_is_newest_first_and_paginates(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    made = [await api.call(agent["id"]) for _ in range(5)]
    c = ids(made)
    assert await page(client, "/v1/calls") == {"data": made[::-1], "has_more": False}
    first = await page(client, "/v1/calls", limit=2)
    assert (ids(first["data"]), first["has_more"]) == ([c[4], c[3]], True)
    nxt = await page(client, "/v1/calls", limit=2, starting_after=c[3])
    assert (ids(nxt["data"]), nxt["has_more"]) == ([c[2], c[1]], True)
    back = await page(client, "/v1/calls", limit=2, ending_before=c[1])
    assert (ids(back["data"]), back["has_more"]) == ([c[3], c[2]], True)
    error_of(await client.get("/v1/calls", params={"ending_before": new_id()}), 400, "ending_before")
    error_of(await client.get("/v1/calls", params={"starting_after": c[0], "ending_before": c[1]}), 400)
    error_of(await client.get("/v1/calls", params={"limit": "101"}), 400, "limit")


async def test_list_default_limit_is_25(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    for _ in range(26):
        await api.call(agent["id"])
    body = await page(client, "/v1/calls")
    assert (len(body["data"]), body["has_more"]) == (25, True)


async def test_get_and_transcript(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"])
    assert await api.ok("GET", f"/v1/calls/{call['id']}") == call
    assert await api.ok("GET", f"/v1/calls/{call['id']}/transcript") == {"call_id": call["id"], "segments": []}


@pytest.mark.parametrize("call_id", [new_id(), "abc123", "a1b2c3d4-e5f6-7890-abcd-ef1234567890"])
@pytest.mark.parametrize("suffix", ["", "/transcript"])
async def test_unknown_call_is_404(client: httpx.AsyncClient, call_id: str, suffix: str) -> None:
    assert error_of(await client.get(f"/v1/calls/{call_id}{suffix}"), 404) == f"call {call_id} not found"


# ---- legacy prompt-based calls (--legacy-calls) ------------------------------------------


@pytest.fixture
async def legacy(connect: Any, api: Any) -> AsyncIterator[Any]:
    """The Api helper over an emulator started with --legacy-calls."""
    yield type(api)(connect(target=Emulator(Config(legacy_calls=True))))


async def test_legacy_body_defaults(legacy: Any) -> None:
    oldest = await legacy.buy_number()
    await legacy.buy_number()
    call = await legacy.ok("POST", "/v1/calls", 201, json={"to": MAGIC_TO})
    assert set(call) == CALL_KEYS
    expected = {
        "agent_id": None,
        "to_number": MAGIC_TO,
        "from_number": oldest["e164"],
        "status": "queued",
        "direction": "outbound",
        "persona": None,
        "instructions": None,
        "prompt": "Hello from CallingBox.",
        "context": {},
        "returns": {},
        "result": None,
        "result_status": "pending",
        "language": "en",
        "metadata": {"language": "en"},
        "webhook_url": None,
        "webhook_status": "none",
        "tools": None,
        "reservation_status": "reserved",
    }
    assert {k: call[k] for k in expected} == expected
    assert await legacy.ok("GET", f"/v1/calls/{call['id']}") == call


async def test_legacy_body_with_every_field(legacy: Any) -> None:
    await legacy.buy_number()
    second = await legacy.buy_number()
    body = {
        "to": MAGIC_TO,
        "prompt": "Confirm the delivery window.",
        "context": {"order": 7},
        "returns": {"confirmed": "boolean"},
        "language": "es",
        "from_number": second["e164"],
        "webhook_url": "https://hooks.example.test/legacy",
        "voicemail_action": "leave_message",
        "tools": TOOLS,
    }
    call = await legacy.ok("POST", "/v1/calls", 201, json=body)
    assert (call["prompt"], call["context"], call["returns"]) == (
        body["prompt"],
        {"order": 7},
        {"confirmed": "boolean"},
    )
    assert (call["language"], call["metadata"], call["from_number"]) == ("es", {"language": "es"}, second["e164"])
    assert (call["webhook_url"], call["webhook_status"], call["tools"]) == (body["webhook_url"], "pending", TOOLS)


async def test_legacy_call_needs_an_active_number(legacy: Any) -> None:
    r = await legacy.client.post("/v1/calls", json={"to": MAGIC_TO, "prompt": "hi"})
    error_of(r, 400, "from_number", "no active phone number")
    assert (await page(legacy.client, "/v1/calls"))["data"] == []


async def test_legacy_from_number_must_be_owned(legacy: Any) -> None:
    await legacy.buy_number()
    error_of(
        await legacy.client.post("/v1/calls", json={"to": MAGIC_TO, "from_number": "+14155550199"}),
        400,
        "from_number",
        "+14155550199",
    )
    error_of(
        await legacy.client.post("/v1/calls", json={"to": MAGIC_TO, "from_number": "4155550199"}),
        400,
        "from_number",
        "E.164",
    )


@pytest.mark.parametrize(
    "body, needle",
    [
        ({"to": "5551234567"}, "to"),
        ({"to": MAGIC_TO, "returns": {"n": "integer"}}, "returns.n"),
        ({"to": MAGIC_TO, "language": "english!"}, "language"),
        ({"to": MAGIC_TO, "voicemail_action": "beep"}, "voicemail_action"),
        ({"to": MAGIC_TO, "persona": "x"}, "persona"),
        ({"to": MAGIC_TO, "metadata": {}}, "metadata"),
        ({"to": MAGIC_TO, "tools": [{"type": "ftp", "name": "x"}]}, "tools[0].type"),
        ({"prompt": "hi"}, "to"),
    ],
)
async def test_legacy_bad_bodies_are_400(legacy: Any, body: dict[str, Any], needle: str) -> None:
    await legacy.buy_number()
    error_of(await legacy.client.post("/v1/calls", json=body), 400, needle)
    assert (await page(legacy.client, "/v1/calls"))["data"] == []


async def test_legacy_mode_still_takes_agent_bodies(legacy: Any) -> None:
    agent = await legacy.agent()
    call = await legacy.call(agent["id"])
    assert (call["agent_id"], call["from_number"]) == (agent["id"], agent["numbers"][0]["e164"])
    error_of(
        await legacy.client.post("/v1/calls", json={"agent_id": agent["id"], "to": MAGIC_TO, "prompt": "x"}),
        400,
        "prompt",
    )


async def test_legacy_calls_hold_credits_too(legacy: Any) -> None:
    await legacy.buy_number()
    org = (await legacy.ok("GET", "/_emulator/orgs"))["data"][0]
    await set_balance(legacy.client, org["id"], HOLD)
    await legacy.ok("POST", "/v1/calls", 201, json={"to": MAGIC_TO})
    error_of(await legacy.client.post("/v1/calls", json={"to": MAGIC_TO}), 402, "Calls paused")

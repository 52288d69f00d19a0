"""Inbound calls placed through the control plane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from .conftest import (
    CALLER,
    HOLD,
    LOCAL_NUMBER_COST,
    Events,
    advance,
    error_of,
    get_call,
    inbound_line,
    load_scenarios,
    org_state,
    segments,
    since,
    trace,
)


async def ring(client: httpx.AsyncClient, to: str, **fields: Any) -> httpx.Response:
    return await client.post("/_emulator/inbound_calls", json={"from": CALLER, "to": to, **fields})


async def test_an_inbound_call_runs_under_the_numbers_inbound_agent(
    client: httpx.AsyncClient,
    api: Any,
    events: Events,
    org_id: str,
) -> None:
    agent, number = await inbound_line(
        api, returns={"wants_callback": "boolean"}, instructions="Take a message.", persona="You are the front desk."
    )
    before = await org_state(client, org_id)
    r = await ring(client, number)
    assert r.status_code == 201, r.text
    call = r.json()
    assert (call["direction"], call["agent_id"], call["from_number"], call["to_number"]) == (
        "inbound",
        agent["id"],
        CALLER,
        number,
    )
    assert (call["status"], call["result_status"], call["reservation_status"]) == ("queued", "pending", "reserved")
    assert (call["persona"], call["instructions"], call["returns"]) == (
        "You are the front desk.",
        "Take a message.",
        {"wants_callback": "boolean"},
    )
    assert (await org_state(client, org_id))["held_milli_cents"] == HOLD
    listed = (await client.get("/v1/calls")).json()["data"]
    assert [c["id"] for c in listed] == [call["id"]]

    # the default scenario: ring 4 s, talk 45 s, extraction 2 s
    assert await trace(client, call["id"], 55) == [
        (0, "queued", "pending", "reserved"),
        (1, "initiated", "pending", "reserved"),
        (2, "ringing", "pending", "reserved"),
        (6, "in_progress", "pending", "reserved"),
        (51, "in_progress", "pending", "settled"),
        (53, "completed", "completed", "settled"),
    ]
    assert events.offsets(call["id"]) == [
        ("call.queued", 0),
        ("call.ringing", 2),
        ("call.answered", 6),
        ("call.completed", 53),
    ]
    done = await get_call(client, call["id"])
    assert isinstance(done["result"]["wants_callback"], bool)
    assert (since(done, "answered_at"), since(done, "ended_at")) == (6, 51)
    assert (done["billed_duration_seconds"], done["billing_amount_milli_cents"]) == (45, 3750)
    assert [s["text"] for s in await segments(client, call["id"])][2] == "Take a message."
    after = await org_state(client, org_id)
    assert (after["balance_milli_cents"], after["held_milli_cents"]) == (before["balance_milli_cents"] - 3750, 0)


async def test_a_number_without_an_inbound_agent_rejects_the_call(
    client: httpx.AsyncClient,
    api: Any,
    events: Events,
    org_id: str,
) -> None:
    outbound = await api.agent()  # its number has an outbound agent only
    bare = await api.buy_number()  # and this one has no agent at all
    numbers = {n["id"]: n["e164"] for n in (await client.get("/v1/numbers")).json()["data"]}
    for e164 in (numbers[outbound["primary_number_id"]], bare["e164"]):
        error_of(await ring(client, e164), 400, e164, "no inbound agent")
    assert (await client.get("/v1/calls")).json()["data"] == []
    assert (await org_state(client, org_id))["held_milli_cents"] == 0
    assert events.all == []


async def test_an_unowned_number_is_a_404(client: httpx.AsyncClient, org_id: str) -> None:
    r = await ring(client, "+13125550188")
    error_of(r, 404, "+13125550188")
    assert (await client.get("/v1/calls")).json()["data"] == []
    assert (await org_state(client, org_id))["held_milli_cents"] == 0


async def test_inbound_input_is_checked(client: httpx.AsyncClient, api: Any) -> None:
    _, number = await inbound_line(api)
    error_of(await client.post("/_emulator/inbound_calls", json={"to": number}), 400, "from")
    error_of(await ring(client, "5551234"), 400, "to")
    error_of(await client.post("/_emulator/inbound_calls", json={"from": "nope", "to": number}), 400, "from")
    error_of(await ring(client, number, scenario="nope"), 400, "unknown scenario 'nope'")
    assert (await client.get("/v1/calls")).json()["data"] == []


async def test_scenarios_can_match_inbound_calls(client: httpx.AsyncClient, api: Any) -> None:
    agent, number = await inbound_line(api, name="Front desk")
    _, other = await inbound_line(api, name="Night line")
    await load_scenarios(
        client,
        f"""
scenarios:
  - name: inbound-to-front-desk
    match: {{direction: inbound, to: "{number}"}}
    outcome: completed
    timing: {{ring: 1, talk: 12, extraction: 1}}
    transcript:
      - {{role: user, text: "Hi, I'd like to book a table for two."}}
      - {{role: agent, text: "Of course, for what time?"}}
  - name: inbound-by-agent
    match: {{direction: inbound, agent: Night line}}
    outcome: no_answer
    timing: {{ring: 9}}
""",
    )
    front = (await ring(client, number)).json()
    night = (await ring(client, other)).json()
    await advance(client, 20)
    front, night = await get_call(client, front["id"]), await get_call(client, night["id"])
    assert (front["status"], since(front, "answered_at"), since(front, "ended_at")) == ("completed", 3, 15)
    assert front["agent_id"] == agent["id"]
    assert [(s["role"], s["source"]) for s in await segments(client, front["id"])] == [
        ("user", "stt"),
        ("agent", "tts"),
    ]
    assert (night["status"], since(night, "ended_at")) == ("no_answer", 11)

    # an outbound call to that very number is not inbound: the scenario does not apply
    outbound = await api.agent()
    call = await api.call(outbound["id"], to=number)
    await advance(client, 60)
    assert (await get_call(client, call["id"]))["billed_duration_seconds"] == 45  # the default scenario


async def test_an_inbound_call_can_name_its_scenario(client: httpx.AsyncClient, api: Any, events: Events) -> None:
    _, number = await inbound_line(api)
    r = await ring(client, number, scenario="busy")
    assert r.status_code == 201, r.text
    await advance(client, 5)
    assert (await get_call(client, r.json()["id"]))["status"] == "busy"
    assert events.types(r.json()["id"]) == ["call.queued", "call.busy"]


async def test_inbound_calls_pause_below_the_hold(
    client: httpx.AsyncClient,
    api: Any,
    connect: Callable[..., httpx.AsyncClient],
) -> None:
    r = await client.post("/_emulator/orgs", json={"balance_milli_cents": LOCAL_NUMBER_COST + HOLD - 1})
    own = connect(r.json()["api_key"])
    _, number = await inbound_line(type(api)(own))
    error_of(await ring(client, number), 402, "Calls paused. Your balance is $2.99 ", "Add $0.01 or more")
    assert (await own.get("/v1/calls")).json()["data"] == []

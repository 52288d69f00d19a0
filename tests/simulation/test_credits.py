"""Credits: the per-call hold, settlement, the 402 below the hold, number purchase debit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import HOLD, LOCAL_NUMBER_COST, advance, error_of, get_call, load_scenarios, org_state

PAUSED = (
    "Calls paused. Your balance is {balance} but each call requires a $3.00 hold "
    "(we release it back if no one answers). Add {short} or more in credits to keep calling."
)


@pytest.fixture
async def funded(client: httpx.AsyncClient, connect: Callable[..., httpx.AsyncClient], api: Any):
    """``funded(balance)``: a new org with that balance, its client, Api helper and id."""

    async def make(balance: int) -> tuple[httpx.AsyncClient, Any, str]:
        r = await client.post("/_emulator/orgs", json={"name": "Tight budget", "balance_milli_cents": balance})
        assert r.status_code == 201, r.text
        org = r.json()
        assert (org["balance_milli_cents"], org["held_milli_cents"]) == (balance, 0)
        c = connect(org["api_key"])
        return c, type(api)(c), org["id"]

    return make


async def test_in_flight_holds_count_against_the_balance(client: httpx.AsyncClient, funded: Any) -> None:
    c, api, org_id = await funded(2 * HOLD + LOCAL_NUMBER_COST)
    agent = await api.agent()  # buys a number: exactly two holds are left
    state = await org_state(client, org_id)
    assert (state["balance_milli_cents"], state["held_milli_cents"]) == (2 * HOLD, 0)
    busy = await api.call(agent["id"], to="+15005550001")
    talks = await api.call(agent["id"], to="+15005550006")
    assert (await org_state(client, org_id))["held_milli_cents"] == 2 * HOLD

    r = await c.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    error_of(r, 402, PAUSED.format(balance="$0.00", short="$3.00"))
    assert len((await c.get("/v1/calls")).json()["data"]) == 2  # the refused call is not kept
    assert (await org_state(client, org_id))["held_milli_cents"] == 2 * HOLD

    await advance(client, 2)  # the busy call ends and releases its hold
    assert (await get_call(c, busy["id"]))["reservation_status"] == "released"
    state = await org_state(client, org_id)
    assert (state["balance_milli_cents"], state["held_milli_cents"]) == (2 * HOLD, HOLD)
    again = await api.call(agent["id"], to="+15005550006")
    assert (await org_state(client, org_id))["held_milli_cents"] == 2 * HOLD

    await advance(client, 40)  # both answered calls: 30 s connected each
    for call_id in (talks["id"], again["id"]):
        done = await get_call(c, call_id)
        assert (done["reservation_status"], done["billing_amount_milli_cents"]) == ("settled", 2500)
    state = await org_state(client, org_id)
    assert (state["balance_milli_cents"], state["held_milli_cents"]) == (2 * HOLD - 2 * 2500, 0)


async def test_the_402_message_has_the_docs_form(client: httpx.AsyncClient, funded: Any) -> None:
    c, api, org_id = await funded(LOCAL_NUMBER_COST + 188_000)
    agent = await api.agent()
    r = await c.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    error_of(r, 402)
    assert r.json()["error"] == PAUSED.format(balance="$1.88", short="$1.12")
    state = await org_state(client, org_id)
    assert (state["balance_milli_cents"], state["held_milli_cents"]) == (188_000, 0)
    assert (await c.get("/v1/calls")).json()["data"] == []


async def test_exactly_one_hold_is_enough(client: httpx.AsyncClient, funded: Any) -> None:
    c, api, org_id = await funded(LOCAL_NUMBER_COST + HOLD)
    agent = await api.agent()
    call = await api.call(agent["id"], to="+15005550006")
    error_of(await c.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"}), 402, "Calls paused.")
    await advance(client, 40)
    assert (await get_call(c, call["id"]))["billing_amount_milli_cents"] == 2500
    state = await org_state(client, org_id)
    assert (state["balance_milli_cents"], state["held_milli_cents"]) == (HOLD - 2500, 0)
    # now below the hold: the next call is refused, with the shortfall rounded up to a cent
    r = await c.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    assert r.json()["error"] == PAUSED.format(balance="$2.97", short="$0.03")
    assert r.status_code == 402


async def test_settlement_of_long_and_odd_calls(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - {name: long-call, match: {to: "+1212"}, outcome: completed, timing: {ring: 1, talk: 61, extraction: 1}}
  - {name: odd-call, match: {to: "+1213"}, outcome: completed, timing: {ring: 1, talk: 0.2, extraction: 1}}
  - {name: ten-minutes, match: {to: "+1214"}, outcome: completed, timing: {ring: 1, talk: 600, extraction: 1}}
""",
    )
    agent = await api.agent()
    before = (await org_state(client, org_id))["balance_milli_cents"]
    calls = [await api.call(agent["id"], to=to) for to in ("+12125550100", "+12135550100", "+12145550100")]
    await advance(client, 700)
    billed = [
        (c["billed_duration_seconds"], c["billing_amount_milli_cents"], c["reservation_status"])
        for c in [await get_call(client, call["id"]) for call in calls]
    ]
    # $0.05 = 5,000 milli-cents a minute of connected time; connected seconds round up, and so does
    # the charge to whole milli-cents: 61 s = 5,083.33 -> 5,084; 1 s = 83.33 -> 84; 600 s = 50,000
    assert billed == [(61, 5084, "settled"), (1, 84, "settled"), (600, 50_000, "settled")]
    state = await org_state(client, org_id)
    assert (state["balance_milli_cents"], state["held_milli_cents"]) == (before - 5084 - 84 - 50_000, 0)


async def test_number_purchase_debits_its_monthly_cost(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    before = (await org_state(client, org_id))["balance_milli_cents"]
    local = await api.buy_number()
    assert local["monthly_cost_cents"] == 100
    assert (await org_state(client, org_id))["balance_milli_cents"] == before - 100_000
    toll_free = (await client.get("/v1/numbers/available", params={"number_type": "toll_free", "limit": 1})).json()
    r = await client.post("/v1/numbers/purchase", json={"phone_number": toll_free[0]["phone_number"]})
    assert r.status_code == 201, r.text
    assert r.json()["monthly_cost_cents"] == 200
    assert (await org_state(client, org_id))["balance_milli_cents"] == before - 100_000 - 200_000


async def test_a_number_purchase_below_its_cost_is_refused(client: httpx.AsyncClient, funded: Any) -> None:
    c, api, org_id = await funded(99_999)
    available = (await c.get("/v1/numbers/available", params={"limit": 1})).json()
    r = await c.post("/v1/numbers/purchase", json={"phone_number": available[0]["phone_number"]})
    error_of(r, 402, "$1.00")
    assert (await org_state(client, org_id))["balance_milli_cents"] == 99_999
    assert (await c.get("/v1/numbers")).json()["data"] == []

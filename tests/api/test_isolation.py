"""Org isolation: org B never sees, reads, changes or uses org A's rows.

Another org's id answers exactly like an id that does not exist: 404 in a path or
when a request body names it (agent_id, number_id, number_ids); 400 for a list
cursor, which is a position, not a resource. Never 403.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import MAGIC_TO, error_of, ids, org_state, page

FULL_INBOUND = {
    "enabled": True,
    "prompt": "x",
    "returns": None,
    "webhook_url": None,
    "language": None,
    "tools": None,
    "voicemail_action": None,
}


@pytest.fixture
async def a_world(client: httpx.AsyncClient, api: Any) -> dict[str, Any]:
    """Org A (the default org) with one of everything."""
    endpoint = await api.ok("POST", "/v1/webhook_endpoints", 201, json={"url": "https://hooks.example.test/a"})
    agent = await api.agent(numbers=2, webhook_url="https://hooks.example.test/agent-a")
    inbound = await api.agent(type="inbound")
    call = await api.call(agent["id"])
    delivery = (await api.ok("GET", "/v1/webhook_deliveries"))["data"][0]
    return {
        "number": agent["numbers"][0],
        "spare": agent["numbers"][1],
        "agent": agent,
        "inbound": inbound,
        "call": call,
        "endpoint": endpoint,
        "delivery": delivery,
    }


async def snapshot(client: httpx.AsyncClient) -> dict[str, Any]:
    """Everything org A can read, to prove B changed none of it."""
    paths = [
        "/v1/numbers",
        "/v1/agents?include_archived=true",
        "/v1/calls",
        "/v1/webhook_endpoints",
        "/v1/webhook_deliveries",
    ]
    return {p: (await client.get(p)).json() for p in paths}


async def test_lists_show_only_own_rows(a_world: dict[str, Any], org_b: Any, client: httpx.AsyncClient) -> None:
    for path in ("/v1/numbers", "/v1/agents", "/v1/calls", "/v1/webhook_endpoints", "/v1/webhook_deliveries"):
        assert await page(org_b.client, path) == {"data": [], "has_more": False}, path
    # B's own rows show up for B, and never for A.
    b_agent = await org_b.api.agent()
    b_call = await org_b.api.call(b_agent["id"])
    assert ids((await page(org_b.client, "/v1/agents"))["data"]) == [b_agent["id"]]
    assert ids((await page(org_b.client, "/v1/calls"))["data"]) == [b_call["id"]]
    assert ids((await page(org_b.client, "/v1/numbers"))["data"]) == [b_agent["primary_number_id"]]
    assert b_call["id"] not in ids((await page(client, "/v1/calls"))["data"])
    assert b_agent["id"] not in ids((await page(client, "/v1/agents"))["data"])
    assert b_agent["org_id"] == org_b.id != a_world["agent"]["org_id"]


async def test_filters_and_cursors_do_not_reach_across(a_world: dict[str, Any], org_b: Any) -> None:
    w = a_world
    b = org_b.client
    assert await page(b, "/v1/webhook_deliveries", call_id=w["call"]["id"]) == {"data": [], "has_more": False}
    assert await page(b, "/v1/webhook_deliveries", endpoint_id=w["endpoint"]["id"]) == {"data": [], "has_more": False}
    for path, row in [
        ("/v1/numbers", "number"),
        ("/v1/agents", "agent"),
        ("/v1/calls", "call"),
        ("/v1/webhook_endpoints", "endpoint"),
        ("/v1/webhook_deliveries", "delivery"),
    ]:
        for cursor in ("starting_after", "ending_before"):
            error_of(await b.get(path, params={cursor: w[row]["id"]}), 400, cursor)


async def test_reads_of_another_orgs_rows_are_404(a_world: dict[str, Any], org_b: Any) -> None:
    w = a_world
    b = org_b.client
    for path in [
        f"/v1/agents/{w['agent']['id']}",
        f"/v1/calls/{w['call']['id']}",
        f"/v1/calls/{w['call']['id']}/transcript",
        f"/v1/webhook_endpoints/{w['endpoint']['id']}",
        f"/v1/webhook_deliveries/{w['delivery']['id']}",
    ]:
        error_of(await b.get(path), 404, "not found")
    message = error_of(await b.get(f"/v1/calls/{w['call']['id']}"), 404)
    assert message == f"call {w['call']['id']} not found"  # the same words as a wrong id


async def test_writes_to_another_orgs_rows_are_404_and_change_nothing(
    a_world: dict[str, Any], org_b: Any, client: httpx.AsyncClient
) -> None:
    w = a_world
    b = org_b.client
    own_number = await org_b.api.buy_number()
    before = await snapshot(client)
    agent_path = f"/v1/agents/{w['agent']['id']}"
    endpoint_path = f"/v1/webhook_endpoints/{w['endpoint']['id']}"
    attempts = [
        b.put(f"/v1/numbers/{w['number']['id']}/inbound", json=FULL_INBOUND),
        b.patch(agent_path, json={"name": "hijacked"}),
        b.delete(agent_path),
        b.post(f"{agent_path}/numbers", json={"number_id": own_number["id"]}),
        b.delete(f"{agent_path}/numbers/{w['number']['id']}"),
        b.put(f"{agent_path}/primary-number", json={"number_id": w["spare"]["id"]}),
        b.patch(endpoint_path, json={"status": "disabled"}),
        b.delete(endpoint_path),
        b.post(f"{endpoint_path}/rotate_secret"),
        b.post(f"/v1/webhook_deliveries/{w['delivery']['id']}/redeliver"),
    ]
    for attempt in attempts:
        error_of(await attempt, 404, "not found")
    assert await snapshot(client) == before


async def test_another_orgs_rows_cannot_be_used_in_bodies(
    a_world: dict[str, Any], org_b: Any, client: httpx.AsyncClient
) -> None:
    w = a_world
    b = org_b.client
    before = await snapshot(client)
    b_balance = (await org_state(client, org_b.id))["balance_milli_cents"]
    # A's agent cannot place B's calls (B's credits would pay for A's agent).
    error_of(await b.post("/v1/calls", json={"agent_id": w["agent"]["id"], "to": MAGIC_TO}), 404, "not found")
    # A's numbers cannot go on B's agents, at creation or later.
    error_of(
        await b.post("/v1/agents", json={"name": "x", "type": "outbound", "number_ids": [w["number"]["id"]]}),
        404,
        "number_ids",
        "not found",
    )
    b_agent = await org_b.api.agent()
    error_of(
        await b.post(f"/v1/agents/{b_agent['id']}/numbers", json={"number_id": w["number"]["id"]}),
        404,
        "number_id",
        "not found",
    )
    error_of(
        await b.put(f"/v1/agents/{b_agent['id']}/primary-number", json={"number_id": w["number"]["id"]}),
        404,
        "number_id",
        "not found",
    )
    error_of(await b.delete(f"/v1/agents/{b_agent['id']}/numbers/{w['number']['id']}"), 404, "not attached")
    # ...nor be B's caller ID, nor be bought again.
    error_of(
        await b.post("/v1/calls", json={"agent_id": b_agent["id"], "to": MAGIC_TO, "from_number": w["number"]["e164"]}),
        400,
        "from_number",
    )
    error_of(await b.post("/v1/numbers/purchase", json={"phone_number": w["number"]["e164"]}), 400, "phone_number")
    assert await snapshot(client) == before
    assert (await org_state(client, org_b.id))["balance_milli_cents"] == b_balance - 100_000  # B's own number only
    assert (await page(b, "/v1/calls"))["data"] == []


async def test_calls_and_credits_are_per_org(
    a_world: dict[str, Any], org_b: Any, client: httpx.AsyncClient, org_id: str
) -> None:
    a_before = await org_state(client, org_id)
    b_agent = await org_b.api.agent()
    await org_b.api.call(b_agent["id"])
    assert await org_state(client, org_id) == a_before
    assert (await org_state(client, org_b.id))["held_milli_cents"] == 300_000
    # A's endpoint hears nothing of B's call; B has no endpoint, so no deliveries at all.
    assert len((await page(client, "/v1/webhook_deliveries"))["data"]) == 2
    assert (await page(org_b.client, "/v1/webhook_deliveries"))["data"] == []


async def test_legacy_from_number_must_be_the_callers_own(connect: Any, api: Any) -> None:
    target = Emulator(Config(legacy_calls=True))
    a = type(api)(connect(target=target))
    number = await a.buy_number()
    org = await a.ok("POST", "/_emulator/orgs", 201, json={})
    b = type(api)(connect(org["api_key"], target=target))
    await b.buy_number()
    error_of(await b.client.post("/v1/calls", json={"to": MAGIC_TO, "from_number": number["e164"]}), 400, "from_number")
    # B's default caller ID is B's own oldest number, never A's.
    call = await b.ok("POST", "/v1/calls", 201, json={"to": MAGIC_TO})
    assert call["from_number"] != number["e164"]

"""/v1/webhook_deliveries: the rows a call's events make, filters, get, redeliver.

The clock never moves here, so every row stays as enqueued: nothing is sent.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .helpers import TIMESTAMP_RE, UUID_RE, error_of, ids, new_id, page

DELIVERY_KEYS = {
    "id",
    "org_id",
    "endpoint_id",
    "call_id",
    "event_type",
    "url",
    "status",
    "attempt_count",
    "manual_retry_count",
    "next_attempt_at",
    "last_error",
    "last_response_status",
    "delivered_at",
    "created_at",
    "updated_at",
}
AGENT_URL = "https://hooks.example.test/agent"
CALL_URL = "https://hooks.example.test/call"


async def endpoint(client: httpx.AsyncClient, name: str, **body: Any) -> dict[str, Any]:
    r = await client.post("/v1/webhook_endpoints", json={"url": f"https://hooks.example.test/{name}", **body})
    assert r.status_code == 201, r.text
    return r.json()


async def deliveries(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    return (await page(client, "/v1/webhook_deliveries", **params))["data"]


async def test_a_new_call_queues_one_delivery_per_destination(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    every = await endpoint(client, "every")
    queued_only = await endpoint(client, "queued", enabled_events=["call.queued"])
    await endpoint(client, "completed", enabled_events=["call.completed"])
    disabled = await endpoint(client, "disabled")
    await api.ok("PATCH", f"/v1/webhook_endpoints/{disabled['id']}", json={"status": "disabled"})
    agent = await api.agent(webhook_url=AGENT_URL)
    call = await api.call(agent["id"])

    rows = await deliveries(client)
    assert len(rows) == 3
    by_url = {row["url"]: row for row in rows}
    assert set(by_url) == {AGENT_URL, every["url"], queued_only["url"]}
    assert by_url[AGENT_URL]["endpoint_id"] is None  # inline: the agent's webhook_url
    assert by_url[every["url"]]["endpoint_id"] == every["id"]
    assert by_url[queued_only["url"]]["endpoint_id"] == queued_only["id"]
    assert len(set(ids(rows))) == 3
    for row in rows:
        assert set(row) == DELIVERY_KEYS
        assert UUID_RE.match(row["id"])
        assert TIMESTAMP_RE.match(row["created_at"])
        assert row["next_attempt_at"] == row["created_at"] == row["updated_at"]
        assert {
            k: row[k]
            for k in (
                "org_id",
                "call_id",
                "event_type",
                "status",
                "attempt_count",
                "manual_retry_count",
                "last_error",
                "last_response_status",
                "delivered_at",
            )
        } == {
            "org_id": org_id,
            "call_id": call["id"],
            "event_type": "call.queued",
            "status": "pending",
            "attempt_count": 0,
            "manual_retry_count": 0,
            "last_error": None,
            "last_response_status": None,
            "delivered_at": None,
        }


async def test_the_per_call_webhook_url_replaces_the_agents(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(webhook_url=AGENT_URL)
    call = await api.call(agent["id"], webhook_url=CALL_URL)
    rows = await deliveries(client)
    assert [(r["url"], r["endpoint_id"], r["call_id"]) for r in rows] == [(CALL_URL, None, call["id"])]


async def test_no_destination_no_delivery(client: httpx.AsyncClient, api: Any) -> None:
    await api.call((await api.agent())["id"])
    assert await page(client, "/v1/webhook_deliveries") == {"data": [], "has_more": False}


async def test_deleted_endpoints_and_later_endpoints(client: httpx.AsyncClient, api: Any) -> None:
    gone = await endpoint(client, "gone")
    await api.ok("DELETE", f"/v1/webhook_endpoints/{gone['id']}")
    agent = await api.agent()
    await api.call(agent["id"])
    assert await deliveries(client) == []
    later = await endpoint(client, "later")
    await api.call(agent["id"])
    assert [r["endpoint_id"] for r in await deliveries(client)] == [later["id"]]


async def test_filters(client: httpx.AsyncClient, api: Any) -> None:
    e1 = await endpoint(client, "one")
    e2 = await endpoint(client, "two")
    agent = await api.agent(webhook_url=AGENT_URL)
    c1 = await api.call(agent["id"])
    c2 = await api.call(agent["id"])
    everything = await deliveries(client)
    assert len(everything) == 6
    assert [r["call_id"] for r in everything] == [c2["id"]] * 3 + [c1["id"]] * 3  # newest first

    assert {r["call_id"] for r in await deliveries(client, call_id=c1["id"])} == {c1["id"]}
    assert len(await deliveries(client, call_id=c1["id"])) == 3
    by_endpoint = await deliveries(client, endpoint_id=e2["id"])
    assert [(r["endpoint_id"], r["call_id"]) for r in by_endpoint] == [(e2["id"], c2["id"]), (e2["id"], c1["id"])]
    both = await deliveries(client, endpoint_id=e1["id"], call_id=c2["id"])
    assert [(r["endpoint_id"], r["call_id"]) for r in both] == [(e1["id"], c2["id"])]
    assert await deliveries(client, status="pending") == everything
    assert await deliveries(client, status="delivered") == []
    assert await deliveries(client, status="exhausted") == []
    assert await deliveries(client, call_id=new_id()) == []
    assert await deliveries(client, endpoint_id=new_id()) == []


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"status": "failed"}, "status"),
        ({"status": "PENDING"}, "status"),
        ({"endpoint_id": "we_123"}, "endpoint_id"),
        ({"call_id": "abc"}, "call_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "201"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"starting_after": new_id()}, "starting_after"),
    ],
)
async def test_bad_filters_are_400(client: httpx.AsyncClient, params: dict[str, str], needle: str) -> None:
    error_of(await client.get("/v1/webhook_deliveries", params=params), 400, needle)


async def test_limit_defaults_to_50_and_goes_to_200(client: httpx.AsyncClient, api: Any) -> None:
    for name in ("a", "b", "c"):
        await endpoint(client, name)
    agent = await api.agent()
    for _ in range(17):
        await api.call(agent["id"])  # 17 calls x 3 endpoints = 51 rows
    default = await page(client, "/v1/webhook_deliveries")
    assert (len(default["data"]), default["has_more"]) == (50, True)
    full = await page(client, "/v1/webhook_deliveries", limit=200)
    assert (len(full["data"]), full["has_more"]) == (51, False)
    assert full["data"][:50] == default["data"]
    rest = await page(client, "/v1/webhook_deliveries", starting_after=default["data"][-1]["id"])
    assert (rest["data"], rest["has_more"]) == (full["data"][50:], False)


async def test_get_delivery(client: httpx.AsyncClient, api: Any) -> None:
    await endpoint(client, "one")
    await api.call((await api.agent())["id"])
    row = (await deliveries(client))[0]
    assert await api.ok("GET", f"/v1/webhook_deliveries/{row['id']}") == row


@pytest.mark.parametrize("delivery_id", [new_id(), "del_1"])
async def test_unknown_delivery_is_404(client: httpx.AsyncClient, delivery_id: str) -> None:
    error_of(await client.get(f"/v1/webhook_deliveries/{delivery_id}"), 404, delivery_id, "not found")
    error_of(await client.post(f"/v1/webhook_deliveries/{delivery_id}/redeliver"), 404, delivery_id)


async def test_redeliver(client: httpx.AsyncClient, api: Any) -> None:
    await endpoint(client, "one")
    await api.call((await api.agent())["id"])
    row = (await deliveries(client))[0]
    path = f"/v1/webhook_deliveries/{row['id']}"
    r = await client.post(f"{path}/redeliver", headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    again = r.json()
    assert again == row | {"manual_retry_count": 1, "status": "pending"}
    twice = await api.ok("POST", f"{path}/redeliver")
    assert (twice["id"], twice["manual_retry_count"], twice["status"]) == (row["id"], 2, "pending")
    assert await api.ok("GET", path) == twice
    assert len(await deliveries(client)) == 1  # a replay reuses the row, it adds none
    error_of(await client.post(f"{path}/redeliver", json={"now": True}), 400, "body")

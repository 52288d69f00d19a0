"""GET/DELETE /_emulator/requests: every /v1 request with its answer, bounded, filterable."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator.runtime import Emulator

from .conftest import journal, ok

KEY = "sk_test_emulator"


async def default_org_id(client: httpx.AsyncClient) -> str:
    orgs = (await ok(client, "GET", "/_emulator/orgs"))["data"]
    return next(o["id"] for o in orgs if o["api_key"] == KEY)


async def test_each_request_is_recorded_with_its_answer(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"])
    clock = await ok(client, "GET", "/_emulator/clock")

    entries = await journal(client)

    # Newest first, numbered in arrival order; the control plane is not journaled.
    assert [(e["method"], e["path"]) for e in entries] == [
        ("POST", "/v1/calls"),
        ("POST", "/v1/agents"),
        ("POST", "/v1/numbers/purchase"),
        ("GET", "/v1/numbers/available"),
    ]
    assert [e["seq"] for e in entries] == [4, 3, 2, 1]
    post = entries[0]
    assert post["status"] == 201
    assert post["query"] == ""
    assert json.loads(post["request_body"]) == {"agent_id": agent["id"], "to": "+15005550006"}
    assert json.loads(post["response_body"]) == call
    assert (post["request_body_truncated"], post["response_body_truncated"]) == (False, False)
    assert post["received_at"] == clock["now"]  # virtual time
    assert 0 <= post["duration_ms"] < 10_000  # real time
    assert post["org_id"] == await default_org_id(client)
    assert (post["fault_id"], post["error"]) == (None, None)
    search = entries[-1]
    assert search["query"] == "area_code=415&limit=1"
    assert search["request_body"] == ""


async def test_a_bad_key_is_journaled_without_an_org(client: httpx.AsyncClient) -> None:
    await client.get("/v1/calls", headers={"Authorization": "Bearer sk_test_nobody"})
    await client.get("/v1/calls", headers={"Authorization": "Basic xyz"})

    entries = await journal(client)

    assert [(e["status"], e["org_id"]) for e in entries] == [(401, None), (401, None)]
    assert json.loads(entries[0]["response_body"])["error"]


async def test_an_unknown_v1_route_is_journaled(client: httpx.AsyncClient) -> None:
    await client.get("/v1/nothing-here")

    (entry,) = await journal(client)
    assert (entry["path"], entry["status"]) == ("/v1/nothing-here", 404)


async def test_the_control_plane_and_the_contract_are_not_journaled(client: httpx.AsyncClient) -> None:
    for path in ("/_emulator/health", "/_emulator/clock", "/openapi.json", "/v1x"):
        await client.get(path)

    assert await journal(client) == []
    assert (await ok(client, "GET", "/_emulator/requests"))["total_requests"] == 0


async def test_bodies_are_cut_at_4_kib(client: httpx.AsyncClient, api: Any) -> None:
    long = "é" + "x" * 9000  # one 2-byte character, then ASCII
    await api.ok("POST", "/v1/agents", 201, json={"name": "Long", "type": "outbound", "instructions": long})

    (entry,) = await journal(client)

    assert entry["request_body_truncated"] and entry["response_body_truncated"]
    assert len(entry["request_body"].encode()) == 4096
    assert entry["request_body"].startswith('{"name":"Long"')
    assert len(entry["response_body"].encode()) == 4096


async def test_filters_and_limit(client: httpx.AsyncClient, api: Any) -> None:
    await api.buy_number()
    await client.get("/v1/calls")
    await client.get("/v1/calls/not-a-call")
    await client.post("/v1/calls", json={})

    async def paths(**params: Any) -> list[tuple[str, str, int]]:
        return [(e["method"], e["path"], e["status"]) for e in await journal(client, **params)]

    assert await paths(method="POST") == [("POST", "/v1/calls", 400), ("POST", "/v1/numbers/purchase", 201)]
    assert await paths(path_prefix="/v1/calls") == [
        ("POST", "/v1/calls", 400),
        ("GET", "/v1/calls/not-a-call", 404),
        ("GET", "/v1/calls", 200),
    ]
    assert await paths(status=200) == [("GET", "/v1/calls", 200), ("GET", "/v1/numbers/available", 200)]
    assert await paths(method="GET", path_prefix="/v1/calls", status=404) == [("GET", "/v1/calls/not-a-call", 404)]
    assert await paths(limit=2) == [("POST", "/v1/calls", 400), ("GET", "/v1/calls/not-a-call", 404)]


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"method": "get"}, "method"),
        ({"method": "FETCH"}, "method"),
        ({"status": "abc"}, "status"),
        ({"status": "99"}, "status"),
        ({"status": "600"}, "status"),
    ],
)
async def test_bad_filters_are_400(client: httpx.AsyncClient, params: dict[str, str], needle: str) -> None:
    r = await client.get("/_emulator/requests", params=params)

    assert r.status_code == 400
    assert r.json()["error"].startswith(f"{needle}:")


async def test_the_journal_is_bounded(client: httpx.AsyncClient) -> None:
    for _ in range(1003):
        await client.get("/v1/numbers")

    body = await ok(client, "GET", "/_emulator/requests", params={"limit": 1000})

    assert len(body["data"]) == 1000  # the oldest three fell out
    assert body["total_requests"] == 1003
    assert [body["data"][0]["seq"], body["data"][-1]["seq"]] == [1003, 4]


async def test_clear_and_reset_empty_it(client: httpx.AsyncClient, emulator: Emulator) -> None:
    await client.get("/v1/numbers")
    await client.get("/v1/agents")

    assert await ok(client, "DELETE", "/_emulator/requests") == {"cleared": True}
    assert await journal(client) == []
    await client.get("/v1/calls")
    (after_clear,) = await journal(client)
    assert after_clear["seq"] == 3  # numbering goes on after a clear

    await ok(client, "POST", "/_emulator/reset")
    assert await journal(client) == []
    assert (await ok(client, "GET", "/_emulator/requests"))["total_requests"] == 0
    await client.get("/v1/calls")
    assert [e["seq"] for e in await journal(client)] == [1]
    assert len(emulator.journal) == 1

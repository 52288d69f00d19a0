"""What the control plane shows: the attempt log (/_emulator/deliveries) and the built-in sinks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.api.callingbox import signing
from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread
from emulator.webhooks.log import AttemptLog

from .helpers import (
    API_KEY,
    BUSY,
    COMPLETED,
    LIFECYCLE,
    RETURNS,
    Receiver,
    advance,
    attempts,
    default_secret,
    deliveries,
    endpoint,
    get,
    ts,
)

INLINE_SINK = "http://emulator.test/_emulator/sinks/inline"


async def test_every_attempt_is_logged_as_sent_and_as_answered(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver(script=[500])  # call.queued fails once, then everything is accepted
    agent = await api.agent(webhook_url=r.url, returns=RETURNS)
    call = await api.call(agent["id"], COMPLETED)
    await advance(client, 120)

    rows = {row["id"]: row for row in await deliveries(client)}
    logged = await attempts(client)
    assert [(a["event_type"], a["attempt"], a["response_status"]) for a in logged] == [
        ("call.queued", 1, 500),
        ("call.ringing", 1, 200),
        ("call.answered", 1, 200),
        ("call.completed", 1, 200),
        ("call.queued", 2, 200),  # the retry: 60 s +-20 % after the first
    ]
    assert len(logged) == len(r.hits) == 5
    for attempt, hit in zip(logged, r.hits, strict=True):
        assert attempt["delivery_id"] == hit.event_id and attempt["delivery_id"] in rows
        assert (attempt["call_id"], attempt["endpoint_id"], attempt["url"]) == (call["id"], None, r.url)
        assert attempt["request_body"].encode() == hit.body
        headers = {k.lower(): v for k, v in attempt["request_headers"].items()}
        for name in (
            "content-type",
            "callingbox-signature",
            "callingbox-event-id",
            "callingbox-event-type",
            "x-callingbox-event",
            "x-callingbox-call-id",
        ):
            assert headers[name] == hit.headers[name], name
        assert attempt["manual"] is False
        assert attempt["latency_ms"] > 0
        assert attempt["response_body"] == f"answer {attempt['response_status']}"
        assert attempt["error"] == (None if attempt["response_status"] == 200 else "receiver answered HTTP 500")
        assert ts(attempt["sent_at"]) >= ts(call["created_at"])


async def test_attempt_log_filters_and_clear(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    agent = await api.agent(webhook_url=r.url)
    first = await api.call(agent["id"], BUSY)
    second = await api.call(agent["id"], BUSY)
    await advance(client, 60)

    everything = await get(client, "/_emulator/deliveries")
    assert everything["total_attempts"] == 4 and len(everything["data"]) == 4
    newest = (await get(client, "/_emulator/deliveries", limit=1))["data"]
    assert newest == everything["data"][:1]  # newest first
    assert len((await get(client, "/_emulator/deliveries", limit=3))["data"]) == 3
    for call in (first, second):
        mine = (await get(client, "/_emulator/deliveries", call_id=call["id"]))["data"]
        assert [a["event_type"] for a in reversed(mine)] == ["call.queued", "call.busy"]
        assert {a["call_id"] for a in mine} == {call["id"]}
    one = everything["data"][0]["delivery_id"]
    assert [a["delivery_id"] for a in (await get(client, "/_emulator/deliveries", delivery_id=one))["data"]] == [one]
    assert (await client.get("/_emulator/deliveries", params={"limit": 0})).status_code == 400

    cleared = await client.delete("/_emulator/deliveries")
    assert cleared.status_code == 200
    assert (await get(client, "/_emulator/deliveries"))["data"] == []
    assert len(await deliveries(client)) == 4  # the ledger itself is untouched


async def test_the_attempt_log_keeps_the_newest_when_full(
    emulator: Emulator, client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    emulator.dispatcher.log = AttemptLog(limit=3)
    r = receiver()
    agent = await api.agent(webhook_url=r.url, returns=RETURNS)
    await api.call(agent["id"], COMPLETED)
    await advance(client, 120)
    log = await get(client, "/_emulator/deliveries")
    assert log["total_attempts"] == 4
    assert [a["event_type"] for a in reversed(log["data"])] == LIFECYCLE[1:]


@pytest.fixture
def mounted(emulator: Emulator) -> Emulator:
    """Webhooks to http://emulator.test/... go to this emulator's own app, in-process."""
    emulator.transport.mount("http://emulator.test", create_app(emulator))
    return emulator


async def test_sinks_receive_and_verify_inline_and_endpoint_deliveries(
    mounted: Emulator, client: httpx.AsyncClient, api: Any
) -> None:
    hook = await endpoint(client, "http://emulator.test/_emulator/sinks/endpoint")
    agent = await api.agent(webhook_url=INLINE_SINK, returns=RETURNS)
    call = await api.call(agent["id"], COMPLETED)
    await advance(client, 120)
    org = (await get(client, "/_emulator/orgs"))["data"][0]

    rows = {row["id"]: row for row in await deliveries(client)}
    assert {row["status"] for row in rows.values()} == {"delivered"}
    for sink, label in (("inline", "org default secret"), ("endpoint", f"endpoint {hook['id']}")):
        got = (await get(client, f"/_emulator/sinks/{sink}"))["data"]
        assert [item["event_type"] for item in got] == LIFECYCLE
        for item in got:
            assert item["sink"] == sink
            assert (item["verified"], item["verified_with"], item["error"]) == (True, label, None)
            assert item["org_id"] == org["id"]
            assert item["event_id"] == item["body"]["id"] and item["event_id"] in rows
            assert item["call_id"] == call["id"] == item["body"]["data"]["call"]["id"]
            assert item["body"]["type"] == item["event_type"]
            assert item["headers"]["callingbox-signature"].startswith("t=")


async def test_a_forged_signature_is_received_but_not_verified(client: httpx.AsyncClient) -> None:
    body = json.dumps({"id": "x", "type": "call.queued", "created": 1, "api_version": "2026-04", "data": {}}).encode()
    now = int(time.time())
    secret = await default_secret(client)
    cases = {
        "forged": (signing.header("whsec_" + "f" * 32, now, body), "no signature matches"),
        "stale": (signing.header(secret, now - 3600, body), "tolerance"),
        "malformed": ("t=,v1=", "malformed"),
        "missing": (None, "no CallingBox-Signature header"),
    }
    for name, (header, error) in cases.items():
        headers = {"Content-Type": "application/json", "CallingBox-Event-Type": "call.queued"}
        if header is not None:
            headers["CallingBox-Signature"] = header
        answer = await client.post("/_emulator/sinks/checks", content=body, headers=headers)
        assert answer.status_code == 200, answer.text
        item = answer.json()
        assert (item["verified"], item["verified_with"]) == (False, None), name
        assert error in item["error"], (name, item["error"])
    genuine = await client.post(
        "/_emulator/sinks/checks", content=body, headers={"CallingBox-Signature": signing.header(secret, now, body)}
    )
    assert (genuine.json()["verified"], genuine.json()["verified_with"]) == (True, "org default secret")
    assert len((await get(client, "/_emulator/sinks/checks"))["data"]) == 5


async def test_sinks_list_and_clear(mounted: Emulator, client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(webhook_url=INLINE_SINK)
    await api.call(agent["id"], BUSY)
    await advance(client, 60)
    assert len((await get(client, "/_emulator/sinks/inline"))["data"]) == 2
    assert (await get(client, "/_emulator/sinks/never-used"))["data"] == []
    assert (await client.delete("/_emulator/sinks/inline")).status_code == 200
    assert (await get(client, "/_emulator/sinks/inline"))["data"] == []
    assert (await client.get("/_emulator/sinks/bad name!")).status_code == 400


async def test_the_printed_sink_url_of_a_live_server() -> None:
    emulator = Emulator(Config())
    with ServerThread(emulator) as server:
        async with httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
        ) as live:
            sink = f"{server.base_url}/_emulator/sinks/default"
            available = (await live.get("/v1/numbers/available", params={"limit": 1})).json()
            bought = await live.post("/v1/numbers/purchase", json={"phone_number": available[0]["phone_number"]})
            number = bought.json()
            agent = (
                await live.post(
                    "/v1/agents",
                    json={
                        "name": "live",
                        "type": "outbound",
                        "number_ids": [number["id"]],
                        "webhook_url": sink,
                        "returns": RETURNS,
                    },
                )
            ).json()
            call = (await live.post("/v1/calls", json={"agent_id": agent["id"], "to": COMPLETED})).json()
            await advance(live, 120)
            got = (await get(live, "/_emulator/sinks/default"))["data"]
            assert [item["event_type"] for item in got] == LIFECYCLE
            assert all(item["verified"] and item["verified_with"] == "org default secret" for item in got)
            assert {item["call_id"] for item in got} == {call["id"]}
            assert (await get(live, f"/v1/calls/{call['id']}"))["webhook_status"] == "delivered"

"""Who gets what: one delivery per (event, destination), the envelope, the headers, the order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from emulator.runtime import Emulator

from .helpers import (
    BUSY,
    COMPLETED,
    LIFECYCLE,
    RETURNS,
    Receiver,
    advance,
    by_path,
    call_of,
    deliveries,
    endpoint,
    ts,
)

ENVELOPE_KEYS = {"id", "type", "created", "api_version", "data"}


async def test_one_delivery_per_event_and_destination(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    every = await endpoint(client, r.base_url + "/every")
    completed_only = await endpoint(client, r.base_url + "/completed", enabled_events=["call.completed"])
    two = await endpoint(client, r.base_url + "/two", enabled_events=["call.ringing", "call.answered"])
    disabled = await endpoint(client, r.base_url + "/disabled")
    await api.ok("PATCH", f"/v1/webhook_endpoints/{disabled['id']}", json={"status": "disabled"})
    agent = await api.agent(webhook_url=r.base_url + "/agent", returns=RETURNS)
    call = await api.call(agent["id"], COMPLETED)

    await advance(client, 120)

    rows = await deliveries(client)
    assert len(rows) == 4 + 4 + 1 + 2
    assert {row["status"] for row in rows} == {"delivered"}
    assert {row["call_id"] for row in rows} == {call["id"]}
    per_destination: dict[str | None, list[str]] = {}
    for row in rows:
        per_destination.setdefault(row["endpoint_id"], []).append(row["event_type"])
    assert per_destination == {
        None: LIFECYCLE,  # the agent's webhook_url
        every["id"]: LIFECYCLE,
        completed_only["id"]: ["call.completed"],
        two["id"]: ["call.ringing", "call.answered"],
    }
    assert len(await deliveries(client, endpoint_id=disabled["id"])) == 0

    hits = by_path(r)
    assert {path: [h.type for h in found] for path, found in hits.items()} == {
        "/agent": LIFECYCLE,
        "/every": LIFECYCLE,
        "/completed": ["call.completed"],
        "/two": ["call.ringing", "call.answered"],
    }
    # Each (event, destination) is its own delivery: its own id, sent once.
    assert sorted(h.event_id for h in r.hits) == sorted(row["id"] for row in rows)
    assert len({h.event_id for h in r.hits}) == 11


async def test_the_per_call_webhook_url_replaces_the_agents(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    agent = await api.agent(webhook_url=r.base_url + "/agent", returns=RETURNS)
    own = await api.call(agent["id"], COMPLETED, webhook_url=r.base_url + "/call")
    plain = await api.call(agent["id"], COMPLETED)

    await advance(client, 120)

    hits = by_path(r)
    assert [h.type for h in hits["/call"]] == LIFECYCLE
    assert {h.headers["x-callingbox-call-id"] for h in hits["/call"]} == {own["id"]}
    assert [h.type for h in hits["/agent"]] == LIFECYCLE
    assert {h.headers["x-callingbox-call-id"] for h in hits["/agent"]} == {plain["id"]}
    assert {row["url"] for row in await deliveries(client, call_id=own["id"])} == {r.base_url + "/call"}


async def test_a_busy_call_gives_queued_and_busy_only(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    await endpoint(client, r.base_url + "/completed", enabled_events=["call.completed"])
    await endpoint(client, r.base_url + "/every", enabled_events=["*"])
    agent = await api.agent(webhook_url=r.base_url + "/agent")
    call = await api.call(agent["id"], BUSY)

    await advance(client, 600)

    hits = by_path(r)
    assert [h.type for h in hits["/agent"]] == ["call.queued", "call.busy"]
    assert [h.type for h in hits["/every"]] == ["call.queued", "call.busy"]
    assert "/completed" not in hits
    assert len(await deliveries(client, call_id=call["id"])) == 4
    busy = hits["/agent"][1].json["data"]["call"]
    assert busy["status"] == "busy"
    assert busy["result"] is None


async def test_no_destination_no_delivery(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"], COMPLETED)
    await advance(client, 120)
    assert await deliveries(client) == []
    assert (await call_of(client, call["id"]))["webhook_status"] == "none"


async def test_envelope_and_headers(client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]) -> None:
    r = receiver()
    agent = await api.agent(webhook_url=r.url, returns=RETURNS)
    call = await api.call(agent["id"], COMPLETED)
    await advance(client, 120)
    final = await call_of(client, call["id"])
    rows = {row["event_type"]: row for row in await deliveries(client)}

    assert r.types() == LIFECYCLE
    bodies = {}
    for hit in r.hits:
        body = hit.json
        assert set(body) == ENVELOPE_KEYS
        assert set(body["data"]) == {"call"}
        assert body["type"] == hit.type == hit.headers["x-callingbox-event"]
        assert body["id"] == hit.event_id == rows[hit.type]["id"]
        assert isinstance(body["created"], int)
        assert body["api_version"] == "2026-04"
        assert hit.headers["content-type"] == "application/json"
        assert hit.headers["x-callingbox-call-id"] == call["id"] == body["data"]["call"]["id"]
        assert hit.path == "/hook"
        bodies[hit.type] = body

    # ``created`` is virtual time, at the event.
    created = {kind: body["created"] for kind, body in bodies.items()}
    assert created["call.queued"] == int(ts(call["created_at"]))
    assert created["call.ringing"] - created["call.queued"] == 2
    assert created["call.answered"] - created["call.queued"] == 5
    assert 20 <= created["call.completed"] - created["call.queued"] <= 90
    assert created["call.completed"] >= int(ts(final["ended_at"]))

    # ``data.call`` is the call as it was at that event.
    snap = {kind: body["data"]["call"] for kind, body in bodies.items()}
    assert snap["call.queued"]["status"] in ("queued", "initiated")
    assert snap["call.queued"]["started_at"] is None
    assert snap["call.ringing"]["status"] == "ringing"
    assert snap["call.ringing"]["started_at"] is not None and snap["call.ringing"]["answered_at"] is None
    assert snap["call.answered"]["status"] == "in_progress"
    assert snap["call.answered"]["answered_at"] is not None and snap["call.answered"]["ended_at"] is None
    for kind in ("call.queued", "call.ringing", "call.answered"):
        assert snap[kind]["result"] is None
        assert snap[kind]["ended_at"] is None and snap[kind]["duration_seconds"] is None
    done = snap["call.completed"]
    assert done["status"] == "completed"
    assert done["result_status"] == "completed"
    assert set(done["result"]) == set(RETURNS)
    assert done["result"] == final["result"]
    for key in ("ended_at", "duration_seconds", "answered_at", "started_at", "to_number", "from_number"):
        assert done[key] == final[key], key


async def test_the_same_event_to_two_destinations_has_two_ids(
    client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    r = receiver()
    await endpoint(client, r.base_url + "/a", enabled_events=["call.queued"])
    await endpoint(client, r.base_url + "/b", enabled_events=["call.queued"])
    await api.call((await api.agent())["id"], COMPLETED)
    await advance(client, 1)
    hits = by_path(r)
    a, b = hits["/a"][0], hits["/b"][0]
    assert a.event_id != b.event_id
    assert a.json["data"] == b.json["data"]
    assert a.json["created"] == b.json["created"]


async def test_events_of_one_call_reach_one_destination_in_lifecycle_order(
    emulator: Emulator, client: httpx.AsyncClient, api: Any, receiver: Callable[..., Receiver]
) -> None:
    """All four events come due at one instant (a synchronous jump past the whole call):
    each call's lane to each destination still sends them one by one, in order."""
    r = receiver(delay=0.02)
    await endpoint(client, r.base_url + "/endpoint")
    agent = await api.agent(webhook_url=r.base_url + "/agent", returns=RETURNS)
    calls = [await api.call(agent["id"], COMPLETED) for _ in range(3)]

    emulator.advance(120)  # runs every job, starting the attempts without waiting for them
    await emulator.settle()

    assert len(r.hits) == 3 * 2 * 4
    for call in calls:
        for path in ("/agent", "/endpoint"):
            seen = [h.type for h in r.hits if h.path == path and h.headers["x-callingbox-call-id"] == call["id"]]
            assert seen == LIFECYCLE, (call["id"], path)
    assert {row["status"] for row in await deliveries(client)} == {"delivered"}

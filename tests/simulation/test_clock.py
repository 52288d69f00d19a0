"""The virtual clock through the control plane."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.runtime import Emulator

from .conftest import PLAIN_TO, Events, advance, at, error_of, get_call, since


async def clock(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/_emulator/clock")
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"seconds": -1}, "seconds"),
        ({"seconds": -0.5}, "seconds"),
        ({"seconds": "5"}, "seconds"),
        ({"seconds": True}, "seconds"),
        ({"seconds": None}, "seconds"),
        ({"seconds": [1]}, "seconds"),
        ({}, "seconds"),
        ({"seconds": 1, "extra": 1}, "extra"),
    ],
)
async def test_advancing_by_a_bad_amount_is_a_400(client: httpx.AsyncClient, body: Any, needle: str) -> None:
    before = await clock(client)
    error_of(await client.post("/_emulator/clock/advance", json=body), 400, needle)
    assert await clock(client) == before


async def test_advancing_back_in_time_says_why(client: httpx.AsyncClient) -> None:
    message = error_of(await client.post("/_emulator/clock/advance", json={"seconds": -10}), 400)
    assert message == "seconds: time only moves forward; give a number >= 0"


async def test_advance_answers_the_new_time(client: httpx.AsyncClient) -> None:
    start = await clock(client)
    assert (start["mode"], start["speed"]) == ("manual", 1.0)
    assert at(start["now"]) == start["unix"]
    body = await advance(client, 90.5)
    assert (body["advanced_seconds"], body["jobs_run"]) == (90.5, 0)
    assert body["clock"]["unix"] == start["unix"] + 90.5
    assert (await clock(client))["unix"] == start["unix"] + 90.5
    assert (await advance(client, 0))["clock"]["unix"] == start["unix"] + 90.5


async def test_switching_to_realtime_and_back(client: httpx.AsyncClient, emulator: Emulator) -> None:
    r = await client.post("/_emulator/clock", json={"mode": "realtime", "speed": 50})
    assert r.status_code == 200, r.text
    assert (r.json()["mode"], r.json()["speed"]) == ("realtime", 50.0)
    now = await clock(client)
    assert (now["mode"], now["speed"]) == ("realtime", 50.0)
    r = await client.post("/_emulator/clock", json={"mode": "manual"})
    assert (r.json()["mode"], r.json()["speed"]) == ("manual", 50.0)
    frozen = (await clock(client))["unix"]
    assert (await clock(client))["unix"] == frozen == emulator.clock.now()


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "fast"},
        {"mode": "realtime", "speed": 0},
        {"mode": "realtime", "speed": -2},
        {"mode": "realtime", "speed": "50"},
        {"speed": 5},
        {},
    ],
)
async def test_a_bad_clock_setting_is_a_400(client: httpx.AsyncClient, body: Any) -> None:
    before = await clock(client)
    r = await client.post("/_emulator/clock", json=body)
    assert r.status_code == 400, r.text
    assert await clock(client) == before


async def test_jobs_run_at_their_due_time_not_at_the_advance_target(
    client: httpx.AsyncClient,
    api: Any,
    events: Events,
) -> None:
    agent = await api.agent(returns={"ok": "boolean"})
    first = await api.call(agent["id"], to="+15005550006")  # ring 3, talk 30, extraction 2
    await advance(client, 1.5)
    second = await api.call(agent["id"], to=PLAIN_TO)  # ring 4, talk 45, extraction 2
    assert since(second, "created_at") == 0 and at(second["created_at"]) == at(first["created_at"]) + 1.5

    body = await advance(client, 100)  # one step over both whole lifecycles
    assert body["jobs_run"] == 4 + 5  # first: initiate is past; connect, pick up, hang up, extract
    assert at(body["clock"]["now"]) == at(first["created_at"]) + 101.5
    one, two = await get_call(client, first["id"]), await get_call(client, second["id"])
    assert [since(one, f) for f in ("started_at", "answered_at", "ended_at", "updated_at")] == [2, 5, 35, 37]
    assert [since(two, f) for f in ("started_at", "answered_at", "ended_at", "updated_at")] == [2, 6, 51, 53]
    assert events.offsets(first["id"]) == [
        ("call.queued", 0),
        ("call.ringing", 2),
        ("call.answered", 5),
        ("call.completed", 37),
    ]
    assert events.offsets(second["id"]) == [
        ("call.queued", 0),
        ("call.ringing", 2),
        ("call.answered", 6),
        ("call.completed", 53),
    ]
    # the two calls' events interleave in virtual-time order
    stamps = [e.created for e in events.all]
    assert stamps == sorted(stamps)


async def test_reading_never_moves_a_call(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"], to="+15005550006")
    for _ in range(5):
        assert (await get_call(client, call["id"]))["status"] == "queued"
        await client.get("/v1/calls")
        await client.get(f"/v1/calls/{call['id']}/transcript")
    await advance(client, 0.75)
    assert (await get_call(client, call["id"]))["status"] == "queued"
    await advance(client, 0.25)
    assert (await get_call(client, call["id"]))["status"] == "initiated"

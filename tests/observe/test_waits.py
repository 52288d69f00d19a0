"""POST /_emulator/calls/{id}/wait and /_emulator/sinks/{name}/wait: every outcome, manual and realtime."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.runtime import Emulator
from tests.conftest import Api

SINK = "http://emulator.test/_emulator/sinks/waits"


@pytest.fixture(autouse=True)
def sinks_reachable(emulator: Emulator) -> None:
    """Webhooks to the in-process base URL reach the app, as they do under `up`."""
    emulator.transport.mount("http://emulator.test", create_app(emulator))


async def clock(client: httpx.AsyncClient) -> float:
    return (await client.get("/_emulator/clock")).json()["unix"]


async def wait(client: httpx.AsyncClient, call_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/_emulator/calls/{call_id}/wait", json=body)


# -- manual clock: time steps instant by instant ------------------------------------------------


async def test_reached_steps_time_only_as_far_as_needed(api: Api, client: httpx.AsyncClient) -> None:
    call = await api.call((await api.agent())["id"])
    start = await clock(client)
    r = await wait(client, call["id"], status="ringing")
    assert r.status_code == 200 and r.json()["id"] == call["id"] and r.json()["status"] == "ringing"
    ringing_at = await clock(client)
    assert ringing_at > start
    r = await wait(client, call["id"], status="completed")
    assert r.status_code == 200 and r.json()["status"] == "completed" and r.json()["result_status"] == "completed"
    assert await clock(client) > ringing_at
    # Reached already: answered at once, time untouched.
    before = await clock(client)
    assert (await wait(client, call["id"], status="completed")).status_code == 200
    assert await clock(client) == before


async def test_wait_for_an_event(api: Api, client: httpx.AsyncClient) -> None:
    call = await api.call((await api.agent())["id"])
    r = await wait(client, call["id"], event="call.answered")
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    events = (await client.get("/_emulator/events", params={"call_id": call["id"]})).json()["data"]
    assert [e["type"] for e in events] == ["call.queued", "call.ringing", "call.answered"]


async def test_impossible_answers_409_at_once_with_the_story(api: Api, client: httpx.AsyncClient) -> None:
    call = await api.call((await api.agent())["id"], to="+15005550001")  # busy after 2 s
    start = await clock(client)
    r = await wait(client, call["id"], status="completed")
    assert r.status_code == 409
    body = r.json()
    assert body["error"].startswith(
        f"call {call['id']} ended as 'busy', never 'completed'. Events so far: call.queued at "
    )
    assert [e["type"] for e in body["events"]] == ["call.queued", "call.busy"]
    assert body["call"]["status"] == "busy"
    assert await clock(client) == start + 2  # it failed the moment it went busy

    r = await wait(client, call["id"], event="call.answered")
    assert r.status_code == 409 and "ended as 'busy', it never sent call.answered" in r.json()["error"]


async def test_already_past(api: Api, client: httpx.AsyncClient) -> None:
    call = await api.call((await api.agent())["id"])
    await client.post("/_emulator/clock/advance", json={"seconds": 10})
    r = await wait(client, call["id"], status="ringing")
    assert r.status_code == 409
    assert r.json()["error"].startswith(f"call {call['id']} is 'in_progress', already past 'ringing'. Events so far:")


async def test_nothing_more_scheduled_is_409(api: Api, client: httpx.AsyncClient, emulator: Emulator) -> None:
    call = await api.call((await api.agent())["id"])
    await client.post("/_emulator/clock/advance", json={"seconds": 2})
    emulator.scheduler.clear()  # as if the carrier never called back
    r = await wait(client, call["id"], status="completed")
    assert r.status_code == 409
    assert r.json()["error"].endswith("; nothing more is scheduled, so it never will")


async def test_past_max_seconds_is_408_and_time_moved_that_far(api: Api, client: httpx.AsyncClient) -> None:
    call = await api.call((await api.agent())["id"], to="+15005550002")  # rings 30 s, then no_answer
    start = await clock(client)
    r = await wait(client, call["id"], status="no_answer", max_seconds=10)
    assert r.status_code == 408
    assert r.json()["error"].startswith(f"call {call['id']} is 'ringing', not 'no_answer'. Events so far:")
    assert "not within max_seconds (10 s of virtual time" in r.json()["error"]
    assert await clock(client) == start + 10
    assert (await wait(client, call["id"], status="no_answer", max_seconds=60)).status_code == 200


# -- sinks ------------------------------------------------------------------------------------------


async def test_webhook_wait_reached_and_never(api: Api, client: httpx.AsyncClient) -> None:
    agent = await api.agent(webhook_url=SINK)
    call = await api.call(agent["id"])
    r = await client.post("/_emulator/sinks/waits/wait", json={"type": "call.completed", "call_id": call["id"]})
    assert r.status_code == 200
    assert r.json()["event_type"] == "call.completed" and r.json()["call_id"] == call["id"] and r.json()["verified"]
    busy = await api.call(agent["id"], to="+15005550001")
    r = await client.post("/_emulator/sinks/waits/wait", json={"type": "call.completed", "call_id": busy["id"]})
    assert r.status_code == 409
    assert r.json()["error"] == (
        f"no call.completed webhook for call {busy['id']} reached {SINK}; received: call.queued (call {call['id']}), "
        f"call.ringing (call {call['id']}), call.answered (call {call['id']}), call.completed (call {call['id']}), "
        f"call.queued (call {busy['id']}), call.busy (call {busy['id']}); nothing more is scheduled, so it never will"
    )


# -- realtime clock: a long poll ---------------------------------------------------------------------


async def test_realtime_reached(api: Api, client: httpx.AsyncClient) -> None:
    await client.post("/_emulator/clock", json={"mode": "realtime", "speed": 2000})
    call = await api.call((await api.agent(webhook_url=SINK))["id"])
    r = await wait(client, call["id"], status="completed", timeout=20)
    assert r.status_code == 200 and r.json()["status"] == "completed"
    r = await client.post("/_emulator/sinks/waits/wait", json={"type": "call.completed", "timeout": 20})
    assert r.status_code == 200 and r.json()["call_id"] == call["id"]


async def test_realtime_impossible(api: Api, client: httpx.AsyncClient) -> None:
    await client.post("/_emulator/clock", json={"mode": "realtime", "speed": 2000})
    call = await api.call((await api.agent())["id"], to="+15005550001")
    r = await wait(client, call["id"], status="in_progress", timeout=20)
    assert r.status_code == 409 and "ended as 'busy', never 'in_progress'" in r.json()["error"]


async def test_realtime_timeout_and_max_seconds(api: Api, client: httpx.AsyncClient) -> None:
    await client.post("/_emulator/clock", json={"mode": "realtime"})
    call = await api.call((await api.agent())["id"], to="+15005550002")  # rings 30 s
    r = await wait(client, call["id"], status="no_answer", timeout=0.3)
    assert r.status_code == 408
    assert r.json()["error"].endswith("; gave up after 0.3 s of real time (realtime clock; the request's timeout)")
    await client.post("/_emulator/clock", json={"mode": "realtime", "speed": 100})
    r = await wait(client, call["id"], status="no_answer", max_seconds=5, timeout=20)  # 5 virtual s = 0.05 real s
    assert r.status_code == 408 and "not within max_seconds (5 s of virtual time, realtime clock)" in r.json()["error"]


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, named",
    [
        ({}, 'give exactly one of "status"'),
        ({"status": "completed", "event": "call.completed"}, 'give exactly one of "status"'),
        ({"status": "complete"}, "status: must be"),
        ({"event": "call.done"}, "event: must be"),
        ({"status": "completed", "max_seconds": 0}, "max_seconds"),
        ({"status": "completed", "timeout": 301}, "timeout"),
        ({"status": "completed", "extra": 1}, "extra: is not a known field"),
    ],
)
async def test_bad_wait_bodies_are_400(api: Api, client: httpx.AsyncClient, body: dict[str, Any], named: str) -> None:
    call = await api.call((await api.agent())["id"])
    before = await clock(client)
    r = await wait(client, call["id"], **body)
    assert r.status_code == 400 and named in r.json()["error"], r.text
    assert await clock(client) == before


async def test_unknown_call_and_bad_sink(client: httpx.AsyncClient) -> None:
    r = await wait(client, "00000000-0000-4000-8000-000000000000", status="completed")
    assert r.status_code == 404 and "call 00000000-0000-4000-8000-000000000000 not found" in r.json()["error"]
    assert (await wait(client, "nope", status="completed")).status_code == 404
    r = await client.post("/_emulator/sinks/bad name/wait", json={"type": "call.completed"})
    assert r.status_code == 400 and "sink name" in r.json()["error"]
    r = await client.post("/_emulator/sinks/ok/wait", json={"type": "call.done"})
    assert r.status_code == 400 and "type: must be" in r.json()["error"]


async def test_a_sink_wait_needs_json_like_every_control_route(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/_emulator/sinks/ok/wait", content=b'{"type": "call.completed"}', headers={"Content-Type": "text/plain"}
    )
    assert r.status_code == 415  # unlike the sink itself, which takes any content type

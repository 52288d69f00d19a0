"""Retention: an org keeps its newest N ended calls with their deliveries; older ones read 404.

Calls in flight are never dropped, nor calls whose webhooks are still being retried (at most N
of those per org: past that the oldest goes, its deliveries given up); list
cursors keep working while rows go; a snapshot import is brought to the limit; the library
default (the pytest plugin, in-process tests) keeps everything and `up --retain-calls N` sets it.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.api.callingbox import retry
from emulator.config import Config
from emulator.runtime import Emulator

BASE_URL = "http://emulator.test"
SINK = f"{BASE_URL}/_emulator/sinks/retention"
SLOW = "scenarios:\n  - name: slow\n    outcome: completed\n    timing: {ring: 1, talk: 3000, extraction: 1}\n"


@pytest.fixture
def config(request: pytest.FixtureRequest) -> Config:
    return Config(retain_calls=getattr(request, "param", 3))


@pytest.fixture
async def emulator(config: Config) -> AsyncIterator[Emulator]:
    emulator = Emulator(config)
    emulator.transport.mount(BASE_URL, create_app(emulator))  # webhooks to its own sinks, no socket
    yield emulator
    await emulator.transport.aclose()


async def ok(client: httpx.AsyncClient, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    r = await client.request(method, path, **kw)
    assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
    return r.json()


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    await ok(client, "POST", "/_emulator/clock/advance", json={"seconds": seconds})


async def all_calls(client: httpx.AsyncClient, limit: int = 100) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        page = await ok(client, "GET", "/v1/calls", params=params)
        ids += [c["id"] for c in page["data"]]
        if not page["has_more"]:
            return ids
        params["starting_after"] = ids[-1]


async def deliveries_of(client: httpx.AsyncClient, call_id: str) -> list[dict[str, Any]]:
    return (await ok(client, "GET", "/v1/webhook_deliveries", params={"call_id": call_id}))["data"]


async def setup(client: httpx.AsyncClient, api: Any) -> dict[str, Any]:
    await ok(client, "POST", "/v1/webhook_endpoints", 201, json={"url": SINK, "enabled_events": ["*"]})
    await ok(client, "POST", "/_emulator/scenarios", 201, content=SLOW, headers={"Content-Type": "application/yaml"})
    return await api.agent()


async def test_the_newest_ended_calls_stay_and_older_ones_go_with_their_deliveries(
    client: httpx.AsyncClient, api: Any
) -> None:
    agent = await setup(client, api)
    calls = [(await api.call(agent["id"]))["id"] for _ in range(5)]
    queued = {c: (await deliveries_of(client, c))[0]["id"] for c in calls}  # call.queued rows exist at once
    await advance(client, 600)

    for old in calls[:2]:
        r = await client.get(f"/v1/calls/{old}")
        assert r.status_code == 404 and old in r.json()["error"], r.text
        assert (await client.get(f"/v1/webhook_deliveries/{queued[old]}")).status_code == 404
        assert await deliveries_of(client, old) == []
    assert await all_calls(client) == calls[:1:-1]  # newest first, the three newest
    for kept in calls[2:]:
        assert (await ok(client, "GET", f"/v1/calls/{kept}"))["status"] == "completed"
        rows = await deliveries_of(client, kept)
        assert sorted(r["event_type"] for r in rows) == [
            "call.answered",
            "call.completed",
            "call.queued",
            "call.ringing",
        ]
        assert {r["status"] for r in rows} == {"delivered"}
    every = (await ok(client, "GET", "/v1/webhook_deliveries", params={"limit": 200}))["data"]
    assert {r["call_id"] for r in every} == set(calls[2:])


async def test_a_call_in_flight_is_never_dropped(client: httpx.AsyncClient, api: Any) -> None:
    agent = await setup(client, api)
    slow = await ok(
        client,
        "POST",
        "/v1/calls",
        201,
        json={"agent_id": agent["id"], "to": "+15005550006"},
        headers={"CallingBox-Emulator-Scenario": "slow"},
    )
    quick = [(await api.call(agent["id"]))["id"] for _ in range(6)]
    await advance(client, 600)

    assert (await ok(client, "GET", f"/v1/calls/{slow['id']}"))["status"] == "in_progress"  # oldest, kept
    assert await all_calls(client) == [*quick[:2:-1], slow["id"]]
    await advance(client, 3000)
    assert (await ok(client, "GET", f"/v1/calls/{slow['id']}"))["status"] == "completed"
    # It ended last, so it is among the newest three ended; the oldest quick one left to make room.
    assert await all_calls(client) == [*quick[:3:-1], slow["id"]]


@pytest.mark.parametrize("config", [1], indirect=True)
async def test_a_call_whose_webhooks_are_still_retried_waits_until_they_settle(
    client: httpx.AsyncClient, api: Any
) -> None:
    with socket.socket() as s:  # a port nobody listens on: every attempt is refused, retries follow
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    agent = await api.agent()
    owed = (await api.call(agent["id"], webhook_url=closed))["id"]
    await advance(client, 120)
    later = [(await api.call(agent["id"]))["id"] for _ in range(2)]
    await advance(client, 120)

    assert (await ok(client, "GET", f"/v1/calls/{owed}"))["webhook_status"] == "pending"
    assert "pending" in {r["status"] for r in await deliveries_of(client, owed)}
    assert await all_calls(client) == [later[1], owed]  # the newest ended one, and the one still owed
    assert (await client.get(f"/v1/calls/{later[0]}")).status_code == 404

    await advance(client, 4 * 86400)  # every retry spent: its deliveries are exhausted
    last = (await api.call(agent["id"]))["id"]
    await advance(client, 120)
    assert (await client.get(f"/v1/calls/{owed}")).status_code == 404
    assert await all_calls(client) == [last]


async def failing_receiver() -> tuple[str, Counter[str], asyncio.AbstractServer]:
    """A loopback receiver that answers 500 to everything (so every delivery retries); it
    counts the attempts it got per call."""
    seen: Counter[str] = Counter()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
                await reader.readexactly(int(fields.get(b"Content-Length", b"0")))
                seen[fields.get(b"X-CallingBox-Call-Id", b"").decode()] += 1
                writer.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nnope")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:  # also when the test's loop cancels this handler on its way out
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook", seen, server


@pytest.mark.parametrize("config", [2], indirect=True)
async def test_calls_waiting_only_for_a_dead_receiver_are_bounded_too(client: httpx.AsyncClient, api: Any) -> None:
    """At most N calls wait aside for their webhooks (N = the limit): past that the oldest
    goes anyway, its pending deliveries given up, and no further attempt is made for it."""
    url, seen, server = await failing_receiver()
    try:
        agent = await api.agent(webhook_url=url)
        calls = []
        for _ in range(5):  # each ends busy at once, owing its two webhooks (queued, busy)
            calls.append((await api.call(agent["id"], "+15005550001"))["id"])
            await advance(client, 1)
        await advance(client, 120)

        # Two newest ended, two waiting for their webhooks; the oldest waiting one went.
        assert await all_calls(client) == calls[:0:-1]
        assert (await client.get(f"/v1/calls/{calls[0]}")).status_code == 404
        assert await deliveries_of(client, calls[0]) == []
        for waiting in calls[1:3]:
            assert (await ok(client, "GET", f"/v1/calls/{waiting}"))["webhook_status"] == "pending"
        attempts_before = dict(seen)
        assert attempts_before[calls[0]] >= 1  # it was tried before it was dropped

        await advance(client, 4 * 86400)  # every retry chain runs to its end
        assert seen[calls[0]] == attempts_before[calls[0]]  # its planned retries were cancelled
        for kept in calls[1:]:
            assert seen[kept] == 2 * retry.MAX_ATTEMPTS  # the others ran theirs in full
            assert {r["status"] for r in await deliveries_of(client, kept)} <= {"exhausted"}
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("config", [1], indirect=True)
async def test_a_dropped_calls_webhooks_waiting_for_a_hung_receiver_are_never_sent(
    emulator: Emulator, client: httpx.AsyncClient, api: Any
) -> None:
    """Attempts queued behind a receiver that holds every request (its origin's few slots all
    taken) are given up with their call: they are never sent, and nothing of theirs is kept."""
    seen: list[str] = []
    release = asyncio.Event()
    handlers: set[asyncio.Task[Any]] = set()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
                await reader.readexactly(int(fields.get(b"Content-Length", b"0")))
                seen.append(fields.get(b"X-CallingBox-Call-Id", b"").decode())
                await release.wait()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:  # also when cancelled below
            writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        agent = await api.agent(webhook_url=f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook")
        calls = [(await api.call(agent["id"], "+15005550001"))["id"] for _ in range(12)]
        # 8 call.queued attempts are held (the origin's first cap), 4 wait for a slot; the clock goes
        # on once they stop finishing (late), every call ends busy, and retention keeps 2 of them.
        await advance(client, 30)
        assert await all_calls(client) == [calls[11], calls[10]]
        assert seen == calls[:8]
        release.set()
        await emulator.dispatcher.finish()
    finally:
        server.close()
        for task in handlers:  # the pooled keep-alive connections' readers
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
    # Calls 8 and 9 were dropped while their attempts waited for a slot: those were never sent.
    assert sorted(seen[8:]) == sorted([calls[10], calls[11]] * 2)  # queued and busy of each
    # Call 10 waited for its webhooks only: delivered, it went too.
    rows = (await ok(client, "GET", "/v1/webhook_deliveries", params={"limit": 100}))["data"]
    assert sorted(r["event_type"] for r in rows if r["call_id"] == calls[11]) == ["call.busy", "call.queued"]
    assert {r["call_id"] for r in rows} == {calls[11]}


@pytest.mark.parametrize("config", [5], indirect=True)
async def test_cursors_hold_while_rows_are_dropped_and_the_table_compacts(client: httpx.AsyncClient, api: Any) -> None:
    agent = await setup(client, api)
    slow = await ok(
        client,
        "POST",
        "/v1/calls",
        201,
        json={"agent_id": agent["id"], "to": "+15005550006"},
        headers={"CallingBox-Emulator-Scenario": "slow"},
    )
    first = [(await api.call(agent["id"]))["id"] for _ in range(6)]
    await advance(client, 600)
    page = await ok(client, "GET", "/v1/calls", params={"limit": 2})
    cursor = page["data"][-1]["id"]  # the newest quick call but one: about to be dropped
    assert cursor == first[-2]

    more = [(await api.call(agent["id"]))["id"] for _ in range(90)]  # 90 more drop, past the rebuild point
    await advance(client, 600)
    r = await client.get("/v1/calls", params={"limit": 2, "starting_after": cursor})
    assert r.status_code == 400 and cursor in r.json()["error"]  # a dropped row is no cursor (as unknown)

    expected = [*more[:-6:-1], slow["id"]]
    assert await all_calls(client, limit=2) == expected
    back = await ok(client, "GET", "/v1/calls", params={"limit": 2, "ending_before": slow["id"]})
    assert [c["id"] for c in back["data"]] == expected[-3:-1] and back["has_more"]
    after = await ok(client, "GET", "/v1/calls", params={"limit": 3, "starting_after": expected[1]})
    assert [c["id"] for c in after["data"]] == expected[2:5] and after["has_more"]


@pytest.mark.parametrize("config", [0], indirect=True)
async def test_zero_keeps_every_call(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    calls = [(await api.call(agent["id"]))["id"] for _ in range(12)]
    await advance(client, 600)
    assert await all_calls(client) == calls[::-1]


def test_the_library_default_keeps_every_call() -> None:
    """The pytest plugin and in-process tests build Config(): nothing is ever dropped under them."""
    assert Config().retain_calls == 0


@pytest.mark.parametrize("config", [2], indirect=True)
async def test_an_import_is_brought_to_the_limit(client: httpx.AsyncClient, api: Any) -> None:
    source = Emulator(Config(retain_calls=0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(source)),
        base_url=BASE_URL,
        headers={"Authorization": "Bearer sk_test_emulator"},
    ) as other:
        await ok(other, "POST", "/_emulator/scenarios", 201, content=SLOW, headers={"Content-Type": "application/yaml"})
        agent = await api.__class__(other).agent()
        slow = await ok(
            other,
            "POST",
            "/v1/calls",
            201,
            json={"agent_id": agent["id"], "to": "+15005550006"},
            headers={"CallingBox-Emulator-Scenario": "slow"},
        )
        ended = [(await api.__class__(other).call(agent["id"]))["id"] for _ in range(5)]
        await advance(other, 600)
        doc = await ok(other, "GET", "/_emulator/state")
    assert len(doc["orgs"][0]["calls"]) == 6

    imported = await ok(client, "PUT", "/_emulator/state", json=doc)
    assert imported["calls"] == 3
    assert await all_calls(client) == [*ended[:2:-1], slow["id"]]
    await advance(client, 3000)  # the imported call in flight still runs, and then counts as ended
    assert await all_calls(client) == [ended[-1], slow["id"]]  # newest made first


def test_up_takes_retain_calls_and_refuses_a_negative_one() -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "emulator", "up", "--port", "0", "--retain-calls", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert bad.returncode == 2 and "retain calls -1 must be 0 (keep all) or more" in bad.stderr, bad
    env_bad = subprocess.run(
        [sys.executable, "-m", "emulator", "up", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={"PATH": "", "CALLINGBOX_EMULATOR_RETAIN_CALLS": "lots"},
    )
    assert env_bad.returncode == 2 and "CALLINGBOX_EMULATOR_RETAIN_CALLS" in env_bad.stderr, env_bad

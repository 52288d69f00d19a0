"""One seed and one start time: the same run, byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from emulator.clock import Clock
from emulator.config import Config
from emulator.runtime import Emulator

from .conftest import CALLER, DEFAULT_KEY, PLAIN_TO, YAML

START = 1_800_000_000
RETURNS = {
    "confirmed": "boolean",
    "attendees": "number",
    "amount": "number",
    "email": "string",
    "reschedule_to": "string",
    "contact_name": "string",
    "reason": "string",
    "topic": "string",
}


async def session(client: httpx.AsyncClient) -> list[Any]:
    """A fixed sequence of requests; returns every call and transcript as JSON."""

    async def ok(method: str, path: str, **kwargs: Any) -> Any:
        r = await client.request(method, path, **kwargs)
        assert r.status_code in (200, 201), r.text
        return r.json()

    async def number() -> dict[str, Any]:
        found = await ok("GET", "/v1/numbers/available", params={"limit": 1})
        return await ok("POST", "/v1/numbers/purchase", json={"phone_number": found[0]["phone_number"]})

    outbound = await ok(
        "POST",
        "/v1/agents",
        json={
            "name": "Reminders",
            "type": "outbound",
            "number_ids": [(await number())["id"]],
            "returns": RETURNS,
        },
    )
    line = await number()
    await ok(
        "POST",
        "/v1/agents",
        json={
            "name": "Desk",
            "type": "inbound",
            "number_ids": [line["id"]],
            "returns": RETURNS,
        },
    )
    busy_303 = b"scenarios:\n  - {name: x, match: {to: '+1303'}, outcome: busy}\n"
    await ok("POST", "/_emulator/scenarios", content=busy_303, headers=YAML)
    ids = []
    for to in ("+15005550006", "+15005550007", "+15005550004", PLAIN_TO, "+13035550100"):
        ids.append((await ok("POST", "/v1/calls", json={"agent_id": outbound["id"], "to": to}))["id"])
        await ok("POST", "/_emulator/clock/advance", json={"seconds": 0.5})
    ids.append((await ok("POST", "/_emulator/inbound_calls", json={"from": CALLER, "to": line["e164"]}))["id"])
    await ok("POST", "/_emulator/clock/advance", json={"seconds": 120})
    out: list[Any] = [await ok("GET", "/v1/calls"), await ok("GET", "/_emulator/orgs")]
    for call_id in ids:
        out.append(await ok("GET", f"/v1/calls/{call_id}"))
        out.append(await ok("GET", f"/v1/calls/{call_id}/transcript"))
    return out


def fresh(seed: int) -> Emulator:
    return Emulator(Config(seed=seed), clock=Clock(start=START))


async def test_the_same_seed_gives_the_same_run(connect: Callable[..., httpx.AsyncClient]) -> None:
    first = await session(connect(DEFAULT_KEY, fresh(7)))
    second = await session(connect(DEFAULT_KEY, fresh(7)))
    assert first == second
    calls = first[0]["data"]
    assert len(calls) == 6 and all(c["created_at"].startswith("2027-01-15T08:00:0") for c in calls)
    completed = [c for c in calls if c["result_status"] == "completed"]
    assert len(completed) == 3 and all(set(c["result"]) == set(RETURNS) for c in completed)
    assert sum(1 for part in first if isinstance(part, dict) and part.get("segments")) == 4


async def test_a_different_seed_gives_different_ids_and_results(connect: Callable[..., httpx.AsyncClient]) -> None:
    seven = await session(connect(DEFAULT_KEY, fresh(7)))
    eight = await session(connect(DEFAULT_KEY, fresh(8)))
    ids_seven = {c["id"] for c in seven[0]["data"]}
    ids_eight = {c["id"] for c in eight[0]["data"]}
    assert ids_seven.isdisjoint(ids_eight)
    assert seven[1]["data"][0]["id"] != eight[1]["data"][0]["id"]
    results = [[c["result"] for c in run[0]["data"] if c["result_status"] == "completed"] for run in (seven, eight)]
    assert results[0] != results[1]
    # what does not depend on the seed is the same: statuses and timings
    shape = [
        [(c["status"], c["direction"], c["created_at"], c["ended_at"]) for c in run[0]["data"]]
        for run in (seven, eight)
    ]
    assert shape[0] == shape[1]

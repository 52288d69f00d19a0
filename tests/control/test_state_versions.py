"""A state written by an older version of the emulator still loads, and its run goes on.

``fixtures/state-v1.json`` is a snapshot of version 1 (every kind of record, calls in flight,
webhook retries pending, a scenario loaded at run time), checked in as that version wrote it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from .conftest import advance, export, ok

V1 = json.loads((Path(__file__).parent / "fixtures" / "state-v1.json").read_text())
RECORDS = ("numbers", "agents", "calls", "endpoints", "deliveries")


def keys(doc: dict[str, Any]) -> dict[str, set[str]]:
    """The keys each kind of record is persisted under, over all of a document's rows."""
    found: dict[str, set[str]] = {"orgs": set(), **{kind: set() for kind in RECORDS}}
    for org in doc["orgs"]:
        found["orgs"] |= set(org)
        for kind in RECORDS:
            for row in org[kind]:
                found[kind] |= set(row)
    return found


async def statuses(client: httpx.AsyncClient) -> list[str]:
    return sorted(c["status"] for c in (await ok(client, "GET", "/v1/calls", params={"limit": 100}))["data"])


async def test_a_version_1_state_loads_and_its_run_goes_on(client: httpx.AsyncClient) -> None:
    r = await client.put("/_emulator/state", json=V1)

    assert r.status_code == 200, r.text
    assert (r.json()["orgs"], r.json()["calls"], r.json()["jobs"]) == (2, 9, len(V1["jobs"]))
    assert await statuses(client) == [
        "busy",
        "completed",
        "completed",
        "completed",
        "in_progress",
        "no_answer",
        "queued",
        "ringing",
    ]
    assert (await ok(client, "GET", "/_emulator/clock"))["now"] == "2026-12-02T01:43:19.500Z"  # clock.now

    await advance(client, 4000)  # the long chat ends, the ringing and queued calls finish

    assert set(await statuses(client)) <= {"busy", "completed", "no_answer"}
    agent_id = V1["orgs"][0]["agents"][0]["id"]
    assert (await client.post("/v1/calls", json={"agent_id": agent_id, "to": "+15005550006"})).status_code == 201


async def test_what_version_1_persisted_is_persisted_under_the_same_names(client: httpx.AsyncClient) -> None:
    assert (await client.put("/_emulator/state", json=V1)).status_code == 200
    now = keys(await export(client))

    for kind, old in keys(V1).items():
        gone = sorted(old - now[kind])
        assert gone == [], (
            f"{kind}: {gone} no longer persisted: a renamed or dropped field needs a new snapshot "
            "version and a migration (emulator/snapshot_versions.py)"
        )


async def test_a_state_from_a_newer_emulator_is_refused_and_changes_nothing(client: httpx.AsyncClient) -> None:
    before = await export(client)

    r = await client.put("/_emulator/state", json={**V1, "version": 2})

    assert r.status_code == 400
    assert r.json()["error"] == ("version: this emulator reads snapshot version 1 (got 2) (a newer emulator wrote it)")
    assert await export(client) == before

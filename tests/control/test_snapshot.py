"""GET/PUT /_emulator/state: export everything, import it back, and the run goes on as before."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.domain import records
from emulator.domain.store import Org
from emulator.runtime import Emulator

from .conftest import BASE_URL, SINK, advance, export, ok

KEY = "sk_test_emulator"
SLOW = """
scenarios:
  - name: long-chat
    outcome: completed
    timing: {ring: 2, talk: 600, extraction: 5}
    transcript:
      - {role: agent, text: "Hello, this is the clinic."}
      - {role: user, text: "Hi, I would like to move my appointment."}
    result: {interested: true}
"""


async def build_world(client: httpx.AsyncClient, api: Any, closed_url: str) -> dict[str, str]:
    """Every kind of record, in most of their states, with jobs still scheduled."""
    org_b = await ok(client, "POST", "/_emulator/orgs", 201, json={"name": "Org B", "balance_milli_cents": 5_000_000})
    b = {"Authorization": f"Bearer {org_b['api_key']}"}
    agent = await api.agent(numbers=2, webhook_url=SINK, returns={"interested": "boolean"})
    await api.ok("POST", "/v1/webhook_endpoints", 201, json={"url": SINK, "description": "all"})
    await api.ok("POST", "/v1/webhook_endpoints", 201, json={"url": closed_url, "enabled_events": ["call.queued"]})
    gone = await api.ok("POST", "/v1/webhook_endpoints", 201, json={"url": SINK})
    await api.ok("DELETE", f"/v1/webhook_endpoints/{gone['id']}")
    archived = await api.agent(name="Old")
    await api.ok("DELETE", f"/v1/agents/{archived['id']}")
    await api.agent(type="inbound", name="Desk")
    desk_number = (await api.ok("GET", "/v1/numbers"))["data"][0]["e164"]
    for to in ("+15005550006", "+15005550001", "+15005550004", "+15005550007"):
        await api.call(agent["id"], to=to, metadata={"to": to})
    await ok(client, "POST", "/_emulator/inbound_calls", 201, json={"from": "+14155550123", "to": desk_number})
    number_b = await ok(client, "GET", "/v1/numbers/available", params={"area_code": "212", "limit": 1}, headers=b)
    bought = await ok(
        client, "POST", "/v1/numbers/purchase", 201, headers=b, json={"phone_number": number_b[0]["phone_number"]}
    )
    agent_b = await ok(
        client,
        "POST",
        "/v1/agents",
        201,
        headers=b,
        json={"name": "B", "type": "outbound", "number_ids": [bought["id"]]},
    )
    await ok(client, "POST", "/v1/calls", 201, headers=b, json={"agent_id": agent_b["id"], "to": "+15005550006"})
    await advance(client, 120)  # all of those end; the closed endpoint is retrying
    delivered = (await api.ok("GET", "/v1/webhook_deliveries", params={"status": "delivered", "limit": 1}))["data"]
    await api.ok("POST", f"/v1/webhook_deliveries/{delivered[0]['id']}/redeliver")
    await ok(client, "POST", "/_emulator/scenarios", 201, content=SLOW, headers={"Content-Type": "application/yaml"})
    talking = await api.ok(
        "POST",
        "/v1/calls",
        201,
        json={"agent_id": agent["id"], "to": "+14155550199"},
        headers={"CallingBox-Emulator-Scenario": "long-chat"},
    )
    await advance(client, 10)  # in progress
    ringing = await api.call(agent["id"], to="+15005550002")
    await advance(client, 2.5)
    queued = await api.call(agent["id"], to="+15005550006")
    return {"talking": talking["id"], "ringing": ringing["id"], "queued": queued["id"], "org_b_key": org_b["api_key"]}


async def reads(client: httpx.AsyncClient, keys: list[str]) -> dict[str, Any]:
    """What /v1 (and the control plane) show of the state, for each org key."""
    seen: dict[str, Any] = {
        "orgs": await ok(client, "GET", "/_emulator/orgs"),
        "clock": await ok(client, "GET", "/_emulator/clock"),
        "scenarios": await ok(client, "GET", "/_emulator/scenarios"),
    }
    for key in keys:
        h = {"Authorization": f"Bearer {key}"}
        calls = await ok(client, "GET", "/v1/calls", params={"limit": 100}, headers=h)
        deliveries = await ok(client, "GET", "/v1/webhook_deliveries", params={"limit": 200}, headers=h)
        seen[key] = {
            "numbers": await ok(client, "GET", "/v1/numbers", params={"limit": 100}, headers=h),
            "agents": await ok(
                client, "GET", "/v1/agents", params={"limit": 100, "include_archived": "true"}, headers=h
            ),
            "calls": calls,
            "each call": [await ok(client, "GET", f"/v1/calls/{c['id']}", headers=h) for c in calls["data"]],
            "transcripts": [
                await ok(client, "GET", f"/v1/calls/{c['id']}/transcript", headers=h) for c in calls["data"]
            ],
            "endpoints": await ok(client, "GET", "/v1/webhook_endpoints", params={"limit": 100}, headers=h),
            "deliveries": deliveries,
            "each delivery": [
                await ok(client, "GET", f"/v1/webhook_deliveries/{d['id']}", headers=h) for d in deliveries["data"]
            ],
        }
    return seen


async def put(client: httpx.AsyncClient, snapshot: Any) -> httpx.Response:
    return await client.put("/_emulator/state", json=snapshot)


async def test_export_reset_import_gives_every_object_back(
    client: httpx.AsyncClient, api: Any, closed_url: str
) -> None:
    world = await build_world(client, api, closed_url)
    keys = [KEY, world["org_b_key"]]
    snapshot, before = await export(client), await reads(client, keys)
    assert snapshot["version"] == 1
    assert {j["step"] for j in snapshot["jobs"]} >= {"initiate", "pickup", "hangup", "deliver"}

    await ok(client, "POST", "/_emulator/reset")
    assert (await ok(client, "GET", "/v1/calls"))["data"] == []
    r = await put(client, snapshot)

    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["imported"] is True
    assert (summary["orgs"], summary["calls"], summary["jobs"]) == (2, 9, len(snapshot["jobs"]))
    assert await export(client) == snapshot
    assert await reads(client, keys) == before


async def test_the_run_goes_on_as_without_the_round_trip(client: httpx.AsyncClient, api: Any, closed_url: str) -> None:
    world = await build_world(client, api, closed_url)
    snapshot = await export(client)

    async def go_on() -> dict[str, Any]:
        """New ids, the calls in flight finish, webhook retries fire (with their seeded jitter)."""
        await ok(client, "POST", "/_emulator/orgs", 201, json={})
        agent = await api.agent(name="Later")
        await api.call(agent["id"])
        await advance(client, 4000)
        return await export(client)

    straight = await go_on()
    assert (await put(client, snapshot)).status_code == 200
    assert await go_on() == straight
    finished = {c["id"]: c for org in straight["orgs"] for c in org["calls"]}
    assert finished[world["talking"]]["result"] == {"interested": True}
    assert finished[world["ringing"]]["status"] == "no_answer"
    assert finished[world["queued"]]["result_status"] == "completed"


@pytest.fixture
async def other_emulator() -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    """A second emulator, with another seed, delivering to its own sinks; as a client."""
    emulator = Emulator(Config(seed=99))
    app = create_app(emulator)
    emulator.transport.mount(BASE_URL, app)
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers={"Authorization": f"Bearer {KEY}"}
    )
    yield lambda: client
    await client.aclose()
    await emulator.transport.aclose()


async def test_another_emulator_takes_the_run_over(
    client: httpx.AsyncClient, api: Any, closed_url: str, other_emulator: Callable[[], httpx.AsyncClient]
) -> None:
    await build_world(client, api, closed_url)
    snapshot = await export(client)
    await advance(client, 4000)
    other = other_emulator()

    assert (await put(other, snapshot)).status_code == 200
    await advance(other, 4000)

    assert await export(other) == await export(client)


async def test_loaded_scenarios_come_back(client: httpx.AsyncClient, api: Any) -> None:
    await ok(client, "POST", "/_emulator/scenarios", 201, content=SLOW, headers={"Content-Type": "application/yaml"})
    snapshot = await export(client)
    await ok(client, "POST", "/_emulator/reset")
    names = [s["name"] for s in (await ok(client, "GET", "/_emulator/scenarios"))["data"]]
    assert "long-chat" not in names

    assert (await put(client, snapshot)).status_code == 200

    listed = (await ok(client, "GET", "/_emulator/scenarios"))["data"]
    assert [(s["name"], s["source"]) for s in listed][0] == ("long-chat", "control plane")
    agent = await api.agent()
    await api.ok(
        "POST",
        "/v1/calls",
        201,
        json={"agent_id": agent["id"], "to": "+14155550199"},
        headers={"CallingBox-Emulator-Scenario": "long-chat"},
    )


async def test_every_field_of_every_record_is_exported(client: httpx.AsyncClient, api: Any, closed_url: str) -> None:
    await build_world(client, api, closed_url)
    snapshot = await export(client)

    def names(cls: type) -> set[str]:  # a field outside __init__ (a call's rev) is process-local
        return {f.name for f in dataclasses.fields(cls) if f.init}

    org = snapshot["orgs"][0]
    assert set(org) == names(Org) - {"deliveries_by_call", "deliveries_by_endpoint"}  # indexes are rebuilt
    for table, cls in [
        ("numbers", records.Number),
        ("agents", records.Agent),
        ("calls", records.Call),
        ("endpoints", records.WebhookEndpoint),
        ("deliveries", records.Delivery),
    ]:
        assert org[table], table
        assert all(set(row) == names(cls) for row in org[table]), table
    call = next(c for c in org["calls"] if c["transcript"])
    assert set(call["transcript"][0]) == names(records.Segment)
    assert {"scenario", "hold_milli_cents", "voicemail_action", "answered_by"} <= set(call)
    assert "rev" not in call and "rev" not in org["deliveries"][0]["event"]["call"]
    assert set(org["deliveries"][0]["event"]) == names(records.Event)
    assert set(org["deliveries"][0]["event"]["call"]) == names(records.Call)
    assert set(snapshot) == {"version", "seed", "clock", "random", "default_org_id", "orgs", "scenarios", "jobs"}
    assert set(snapshot["clock"]) == {"now", "mode", "speed"}
    assert json.loads(json.dumps(snapshot["random"]["ids"])) == snapshot["random"]["ids"]


def broken(mutate: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(snapshot: dict[str, Any]) -> dict[str, Any]:
        copied = copy.deepcopy(snapshot)
        mutate(copied)
        return copied

    return apply


def first_call(s: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    return next(c for c in s["orgs"][0]["calls"] if status is None or c["status"] == status)


BAD = [
    ("version 2", broken(lambda s: s.update(version=2)), "version: this emulator reads snapshot version 1 (got 2)"),
    ("no version", broken(lambda s: s.pop("version")), "version: this emulator reads snapshot version 1 (got None)"),
    ("unknown key", broken(lambda s: s.update(extra=1)), "extra: is not a snapshot field"),
    ("no jobs", broken(lambda s: s.pop("jobs")), "jobs: is required"),
    ("bad type", broken(lambda s: first_call(s).update(status=3)), "orgs[0].calls[0].status: must be a string"),
    ("null", broken(lambda s: first_call(s).update(to_number=None)), "orgs[0].calls[0].to_number: must not be null"),
    (
        "float id",
        broken(lambda s: s["orgs"][0].update(balance_milli_cents=1.5)),
        "orgs[0].balance_milli_cents: must be an integer",
    ),
    (
        "unknown field",
        broken(lambda s: first_call(s).update(colour="red")),
        "orgs[0].calls[0].colour: is not a field of Call",
    ),
    ("missing field", broken(lambda s: first_call(s).pop("prompt")), "orgs[0].calls[0].prompt: is required"),
    (
        "segment",
        broken(lambda s: next(c for c in s["orgs"][0]["calls"] if c["transcript"])["transcript"][0].update(role=None)),
        "transcript[0].role: must not be null",
    ),
    ("orgs not a list", broken(lambda s: s.update(orgs={})), "orgs: must be an array"),
    ("default org", broken(lambda s: s.update(default_org_id="nope")), "default_org_id: must be the id of one"),
    ("clock", broken(lambda s: s["clock"].update(mode="sundial")), "clock: must be"),
    ("speed", broken(lambda s: s["clock"].update(speed=0)), "speed must be a number above 0 and at most 100000"),
    ("random", broken(lambda s: s["random"].update(ids=[3, [1, 2], None])), "random.ids: not a random generator state"),
    ("org of a call", broken(lambda s: first_call(s).update(org_id=s["orgs"][1]["id"])), "has another org's org_id"),
    ("duplicate id", broken(lambda s: s["orgs"][0]["calls"].append(dict(first_call(s)))), "appears twice"),
    ("status", broken(lambda s: first_call(s).update(status="dancing")), "unknown status 'dancing'"),
    ("job step", broken(lambda s: s["jobs"][0].update(step="explode")), "jobs[0].step: must be one of"),
    (
        "job target",
        broken(lambda s: next(j for j in s["jobs"] if "call_id" in j).update(call_id="nope")),
        "no call 'nope' in the snapshot",
    ),
    (
        "job scenario",
        broken(lambda s: next(j for j in s["jobs"] if "scenario" in j)["scenario"].update(outcome="x")),
        "scenario.outcome",
    ),
    (
        "call left hanging",
        broken(lambda s: s.update(jobs=[j for j in s["jobs"] if j["step"] == "deliver"])),
        "but no job continues it",
    ),
    (
        "wrong step",
        broken(lambda s: next(j for j in s["jobs"] if j["step"] == "initiate").update(step="hangup")),
        "a hangup step needs a in_progress call",
    ),
]


WORLD: list[dict[str, Any]] = []  # one world's snapshot, built once for the many cases below


@pytest.mark.parametrize("name, make, needle", BAD, ids=[b[0] for b in BAD])
async def test_a_bad_snapshot_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient, api: Any, closed_url: str, name: str, make: Callable[..., Any], needle: str
) -> None:
    if not WORLD:
        await build_world(client, api, closed_url)
        WORLD.append(await export(client))
    assert (await put(client, WORLD[0])).status_code == 200
    good = await export(client)
    keys = [KEY, next(o["api_key"] for o in good["orgs"] if o["api_key"] != KEY)]
    seen = await reads(client, keys)

    r = await put(client, make(good))

    assert r.status_code == 400, r.text
    assert needle in r.json()["error"]
    assert await export(client) == good
    assert await reads(client, keys) == seen


@pytest.mark.parametrize(
    "content, content_type, status, needle",
    [
        (b'{"version": 1, "orgs": [', "application/json", 400, "request body is not valid JSON"),
        (b"[1, 2]", "application/json", 400, "a snapshot must be a JSON object"),
        (b"", "application/json", 400, "request body is required"),
        (b'{"version": 1}', "text/plain", 415, "Content-Type must be application/json"),
    ],
)
async def test_a_body_that_is_no_snapshot(
    client: httpx.AsyncClient, api: Any, content: bytes, content_type: str, status: int, needle: str
) -> None:
    await api.buy_number()
    good = await export(client)

    r = await client.put("/_emulator/state", content=content, headers={"Content-Type": content_type})

    assert r.status_code == status, r.text
    assert needle in r.json()["error"]
    assert await export(client) == good

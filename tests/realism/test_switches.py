"""The realism switches through HTTP: each one on, its refusal in the API's error shape, nothing
kept or drawn by a refusal, and ``null`` switching it off again."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

DNC = "+15005550006"


async def patch(client: httpx.AsyncClient, org_id: str, status: int = 200, **body: Any) -> dict[str, Any]:
    r = await client.patch(f"/_emulator/orgs/{org_id}", json=body)
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_switches_are_off_by_default_and_shown_on_the_org(client, org_id) -> None:
    org = (await client.get(f"/_emulator/orgs/{org_id}")).json()
    assert org["realism"] == {
        "rate_limit": None,
        "max_concurrent_calls": None,
        "calling_hours": None,
        "do_not_call": None,
    }
    org = await patch(client, org_id, max_concurrent_calls=2, calling_hours={"start": "08:00", "end": "21:00"})
    assert org["realism"]["max_concurrent_calls"] == 2
    assert org["realism"]["calling_hours"] == {"start": "08:00", "end": "21:00"}


async def test_rate_limit_answers_429_with_retry_after_and_null_lifts_it(client, org_id) -> None:
    await patch(client, org_id, rate_limit={"requests_per_second": 0.01, "burst": 3})
    answers = [await client.get("/v1/calls") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"].startswith("rate limit exceeded") and set(refused.json()) == {"error"}
    assert 1 <= int(refused.headers["retry-after"]) <= 100
    other = await client.get("/_emulator/orgs")  # the control plane is never limited
    assert other.status_code == 200
    await patch(client, org_id, rate_limit=None)
    assert (await client.get("/v1/calls")).status_code == 200


async def test_a_rate_limited_request_changes_nothing(client, org_id, api) -> None:
    await patch(client, org_id, rate_limit={"requests_per_second": 0.01, "burst": 1})
    r = await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/hook"})
    assert r.status_code == 201
    r = await client.post("/v1/webhook_endpoints", json={"url": "https://example.com/hook"})
    assert r.status_code == 429
    await patch(client, org_id, rate_limit=None)
    assert len((await client.get("/v1/webhook_endpoints")).json()["data"]) == 1


async def do_not_call_refusal(client, org_id, api) -> tuple[httpx.Response, dict[str, Any]]:
    agent = await api.agent()
    await patch(client, org_id, do_not_call=[DNC, "+14155550100"])
    r = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": DNC})
    return r, agent


async def test_do_not_call_refuses_at_dispatch_and_draws_no_id(client, org_id, api, emulator) -> None:
    r, agent = await do_not_call_refusal(client, org_id, api)
    assert r.status_code == 400 and r.json() == {"error": f"to: {DNC} is on this organization's do-not-call list"}
    assert (await client.get("/v1/calls")).json()["data"] == []
    allowed = await api.call(agent["id"], to="+15005550009")
    # The same seed without the refusal gives the same call id: the refusal drew nothing.
    twin = Emulator(Config(seed=emulator.config.seed))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(twin)),
        base_url="http://t.test",
        headers={"Authorization": "Bearer sk_test_emulator"},
    ) as c:
        from tests.conftest import Api

        twin_agent = await Api(c).agent()
        twin_call = await Api(c).call(twin_agent["id"], to="+15005550009")
    assert twin_call["id"] == allowed["id"]
    await patch(client, org_id, do_not_call=None)
    assert (await client.post("/v1/calls", json={"agent_id": agent["id"], "to": DNC})).status_code == 201


async def test_max_concurrent_calls_refuses_with_429_until_a_call_ends(client, org_id, api) -> None:
    agent = await api.agent()
    await patch(client, org_id, max_concurrent_calls=1)
    first = await api.call(agent["id"])
    r = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    assert r.status_code == 429 and "max_concurrent_calls" in r.json()["error"] and "retry-after" not in r.headers
    assert len((await client.get("/v1/calls")).json()["data"]) == 1
    await client.post("/_emulator/clock/advance", json={"seconds": 120})
    assert (await client.get(f"/v1/calls/{first['id']}")).json()["status"] == "completed"
    assert (await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})).status_code == 201
    await patch(client, org_id, max_concurrent_calls=None)
    assert (await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})).status_code == 201


async def test_calling_hours_fail_a_call_when_it_would_ring_in_the_callees_time(client, org_id, api) -> None:
    """At 03:00 UTC it is 22:00 in New York (the zone of the 500 area code's fallback)."""
    now = (await client.get("/_emulator/clock")).json()["unix"]
    await client.post("/_emulator/clock/advance", json={"seconds": 1_894_676_400 - now})  # 2030-01-15T03:00:00Z
    agent = await api.agent()
    await patch(client, org_id, calling_hours={"start": "08:00", "end": "21:00"})
    east = await api.call(agent["id"], to="+15005550006")  # 22:00 in New York: outside
    assert east["status"] == "queued"  # refused as it would ring, not at dispatch
    await client.post("/_emulator/clock/advance", json={"seconds": 120})
    call = (await client.get(f"/v1/calls/{east['id']}")).json()
    assert call["status"] == "failed" and call["error_code"] == "outside_calling_hours"
    assert "22:00 in America/New_York" in call["error_message"]
    await patch(client, org_id, calling_hours={"start": "21:30", "end": "06:00"})  # spans midnight
    night = await api.call(agent["id"], to="+15005550006")
    await client.post("/_emulator/clock/advance", json={"seconds": 120})
    assert (await client.get(f"/v1/calls/{night['id']}")).json()["status"] == "completed"
    await patch(client, org_id, calling_hours=None)
    assert (await client.get(f"/_emulator/orgs/{org_id}")).json()["realism"]["calling_hours"] is None


@pytest.mark.parametrize(
    "body, says",
    [
        ({}, "give balance_milli_cents or a realism switch"),
        ({"rate_limit": {"requests_per_second": 0, "burst": 1}}, "rate_limit.requests_per_second"),
        ({"rate_limit": {"requests_per_second": 1}}, "rate_limit.burst"),
        ({"rate_limit": 5}, "rate_limit"),
        ({"max_concurrent_calls": 0}, "max_concurrent_calls"),
        ({"max_concurrent_calls": "3"}, "max_concurrent_calls"),
        ({"calling_hours": {"start": "8:00", "end": "21:00"}}, "HH:MM"),
        ({"calling_hours": {"start": "24:00", "end": "21:00"}}, "HH:MM"),
        ({"do_not_call": ["5551234"]}, "E.164"),
        ({"do_not_call": "+15005550006"}, "do_not_call"),
        ({"balance_milli_cents": None}, "balance_milli_cents"),
        ({"quiet_hours": True}, "quiet_hours"),
    ],
)
async def test_bad_switches_are_refused_and_change_nothing(client, org_id, body, says) -> None:
    before = (await client.get(f"/_emulator/orgs/{org_id}")).json()
    r = await client.patch(
        f"/_emulator/orgs/{org_id}",
        json={**body, "max_concurrent_calls": 5} if "max_concurrent_calls" not in body and body else body,
    )
    assert r.status_code == 400 and says in r.json()["error"], r.text
    assert (await client.get(f"/_emulator/orgs/{org_id}")).json() == before


async def test_switches_travel_with_a_snapshot(client, org_id) -> None:
    await patch(client, org_id, max_concurrent_calls=3, do_not_call=[DNC])
    state = (await client.get("/_emulator/state")).json()
    await client.post("/_emulator/reset")
    assert (await client.get(f"/_emulator/orgs/{org_id}")).json()["realism"]["max_concurrent_calls"] is None
    assert (await client.put("/_emulator/state", json=state)).status_code == 200
    realism = (await client.get(f"/_emulator/orgs/{org_id}")).json()["realism"]
    assert realism["max_concurrent_calls"] == 3 and realism["do_not_call"] == [DNC]

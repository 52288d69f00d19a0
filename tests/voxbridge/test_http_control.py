"""The control plane under --dialect voxbridge: agents, org settings, new orgs, inbound calls,
server-side waits and state snapshots, all through HTTP."""

from __future__ import annotations

import json

import pytest

from .conftest import KEY


async def test_every_org_starts_with_the_two_default_agents(api) -> None:
    for org in (await api.org(), await api.ok("POST", "/_emulator/orgs", 201, json={"name": "Second"})):
        agents = (await api.ok("GET", f"/_emulator/orgs/{org['id']}/agents"))["data"]
        shown = [(a["name"], a["slug"], a["direction"], a["voice_id"], a["is_default"], a["is_active"]) for a in agents]
        assert shown == [
            ("Welcome Call Agent", "welcome", "outbound", "warm_female", True, True),
            ("Inbound Support Agent", "inbound-support", "inbound", "calm_support", False, True),
        ]
        assert all(len(a["system_prompt"]) >= 20 for a in agents)


async def test_the_org_shows_its_key_webhook_secret_url_and_minutes(api) -> None:
    org = await api.org()
    assert org["api_key"] == KEY
    assert org["webhook_secret"].startswith("vbsec_") and len(org["webhook_secret"]) == 6 + 32
    assert (org["webhook_url"], org["monthly_minutes"], org["minutes_used"]) == (None, 1000, 0)
    changed = await api.ok(
        "PATCH", f"/_emulator/orgs/{org['id']}", json={"webhook_url": "http://127.0.0.1:9/hooks", "monthly_minutes": 5}
    )
    assert (changed["webhook_url"], changed["monthly_minutes"]) == ("http://127.0.0.1:9/hooks", 5)
    cleared = await api.ok("PATCH", f"/_emulator/orgs/{org['id']}", json={"webhook_url": None})
    assert (cleared["webhook_url"], cleared["monthly_minutes"]) == (None, 5)


@pytest.mark.parametrize(
    "body",
    [{"webhook_url": "ftp://x"}, {"monthly_minutes": -1}, {"monthly_minutes": "5"}, {"webhook_secret": "mine"}, {}],
)
async def test_a_bad_org_patch_is_a_400_naming_the_field_and_changes_nothing(api, body) -> None:
    org = await api.org()
    r = await api.client.patch(f"/_emulator/orgs/{org['id']}", json=body)
    assert r.status_code == 400 and isinstance(r.json()["error"], str), r.text
    assert await api.org() == org


async def test_an_unknown_org_is_a_404(api) -> None:
    for method, path in (
        ("GET", "/_emulator/orgs/nope"),
        ("GET", "/_emulator/orgs/nope/agents"),
        ("PATCH", "/_emulator/orgs/nope/agents/x"),
    ):
        r = await api.client.request(method, path, json={"is_default": True} if method == "PATCH" else None)
        assert r.status_code == 404 and "error" in r.json()


async def test_agents_are_created_and_a_new_default_clears_the_old_one(api) -> None:
    org = await api.org()
    base = f"/_emulator/orgs/{org['id']}/agents"
    made = await api.ok(
        "POST",
        base,
        201,
        json={
            "name": "Renewal Reminder",
            "is_default": True,
            "system_prompt": "Remind {{client_name}} about {{product}}.",
        },
    )
    assert (made["slug"], made["voice_id"], made["direction"]) == ("renewal-reminder", "warm_female", "outbound")
    defaults = [a["slug"] for a in (await api.ok("GET", base))["data"] if a["is_default"]]
    assert defaults == ["renewal-reminder"]
    call = await api.call(client_name="Ann", context={"product": "home insurance"})
    assert call["agent_id"] == made["id"]
    await api.advance(300)
    text = " ".join(t["text"] for t in (await api.get(call["id"]))["transcript"])
    assert "Remind Ann about home insurance." in text
    voiced = await api.ok("PATCH", f"{base}/{made['id']}", json={"voice_id": "calm_male", "name": "Renewals"})
    assert (voiced["voice_id"], voiced["name"]) == ("calm_male", "Renewals")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "system_prompt": "too short"},
        {"name": "x", "system_prompt": "long enough for an agent prompt", "slug": "Bad Slug"},
        {"name": "x", "system_prompt": "long enough for an agent prompt", "direction": "both"},
        {"name": "x", "system_prompt": "long enough for an agent prompt", "extra": 1},
    ],
)
async def test_a_bad_agent_is_a_400_and_draws_no_id(api, body) -> None:
    org = await api.org()
    base = f"/_emulator/orgs/{org['id']}/agents"
    r = await api.client.post(base, json=body)
    assert r.status_code == 400 and isinstance(r.json()["error"], str), r.text
    assert len((await api.ok("GET", base))["data"]) == 2


async def test_an_inbound_call_is_answered_by_the_inbound_agent_and_sends_no_call_queued(api) -> None:
    org = await api.org()
    inbound = next(
        a for a in (await api.ok("GET", f"/_emulator/orgs/{org['id']}/agents"))["data"] if a["direction"] == "inbound"
    )
    await api.ok(
        "PATCH", f"/_emulator/orgs/{org['id']}", json={"webhook_url": "http://emulator.test/_emulator/sinks/in"}
    )
    call = await api.ok("POST", "/_emulator/inbound_calls", 201, json={"from": "4155550100", "to": "+15551234567"})
    assert (call["direction"], call["agent_id"], call["from_number"]) == ("inbound", inbound["id"], "+14155550100")
    await api.advance(300)
    assert (await api.get(call["id"]))["status"] == "completed"
    assert [json.loads(i["raw_body"])["event"] for i in await api.sink("in")] == ["call.ended", "call.analyzed"]
    await api.ok("PATCH", f"/_emulator/orgs/{org['id']}/agents/{inbound['id']}", json={"is_active": False})
    r = await api.client.post("/_emulator/inbound_calls", json={"from": "+14155550100", "to": "+15551234567"})
    assert r.status_code == 400 and "inbound agent" in r.json()["error"]


async def test_a_server_side_wait_returns_the_call_as_voxbridge_shows_it(api) -> None:
    call = await api.call()
    done = await api.ok("POST", f"/_emulator/calls/{call['id']}/wait", json={"event": "call.analyzed"})
    assert (done["id"], done["status"], done["disposition"]) == (call["id"], "completed", "answered")
    assert done["recording_url"] and done["transcript"]


async def test_a_wait_outlasts_the_redials_of_an_unanswered_call(api) -> None:
    call = await api.call(to="+15005550002")
    done = await api.ok("POST", f"/_emulator/calls/{call['id']}/wait", json={"event": "call.ended"})
    assert (done["status"], done["attempt_count"]) == ("failed", 3)


async def test_a_snapshot_round_trip_keeps_a_voxbridge_state(api) -> None:
    org = await api.org()
    await api.ok("PATCH", f"/_emulator/orgs/{org['id']}", json={"monthly_minutes": 7})
    done = await api.call()
    await api.advance(300)
    waiting = await api.call(to="+15005550001")  # busy: a redial is pending in the snapshot
    await api.advance(60)
    state = (await api.client.get("/_emulator/state")).content
    before = [await api.get(done["id"]), await api.get(waiting["id"])]
    await api.ok("POST", "/_emulator/reset")
    assert (await api.ok("GET", "/v1/calls"))["total"] == 0
    await api.ok("PUT", "/_emulator/state", content=state, headers={"Content-Type": "application/json"})
    assert [await api.get(done["id"]), await api.get(waiting["id"])] == before
    again = await api.org()
    assert (again["monthly_minutes"], again["minutes_used"], again["webhook_secret"]) == (7, 1, org["webhook_secret"])
    await api.advance(2000)
    redialled = await api.get(waiting["id"])
    assert (redialled["status"], redialled["attempt_count"]) == ("failed", 3)


async def test_the_dashboard_journal_and_faults_serve_voxbridge(api) -> None:
    fault = await api.ok(
        "POST", "/_emulator/faults", 201, json={"path": "/v1/calls/outbound", "method": "POST", "status": 503}
    )
    refused = await api.client.post("/v1/calls/outbound", json={"to": "+15551234567"})
    assert refused.status_code == 503 and fault["id"] in refused.json()["error"]  # the control plane's fault
    call = await api.call()
    await api.advance(300)
    page = await api.ok("GET", "/_emulator/calls")
    assert [c["id"] for c in page["data"]] == [call["id"]] and page["data"][0]["status"] == "completed"
    detail = await api.ok("GET", f"/_emulator/calls/{call['id']}")
    assert detail["call"]["disposition"] == "answered"
    assert [e["type"] for e in detail["events"]] == ["call.queued", "call.ended", "call.analyzed"]
    assert [t["role"] for t in detail["transcript"]][:2] == ["agent", "user"]
    journal = (await api.ok("GET", "/_emulator/requests"))["data"]
    outbound = [e for e in journal if e["path"] == "/v1/calls/outbound"]
    assert sorted(e["status"] for e in outbound) == [201, 503]
    timeline = await api.ok("GET", f"/_emulator/calls/{call['id']}/timeline")
    assert timeline["call"]["id"] == call["id"]
    assert (await api.client.get("/_emulator/ui")).status_code == 200


async def test_an_unknown_v1_route_answers_in_the_dialects_shape(vox) -> None:
    r = await vox.get("/v1/agents")
    assert (r.status_code, r.json()) == (404, {"detail": "no route GET /v1/agents"})


async def test_a_wait_for_failed_ends_with_a_busy_call_as_voxbridge_names_it(api) -> None:
    call = await api.call(to="+15005550001", max_attempts=2)
    done = await api.ok("POST", f"/_emulator/calls/{call['id']}/wait", json={"status": "failed"})
    assert (done["status"], done["disposition"], done["attempt_count"]) == ("failed", "busy", 2)

"""POST /v1/calls/outbound, GET /v1/calls and GET /v1/calls/{id} over HTTP, under --dialect voxbridge.

Every answer is checked against the dialect's contract at run time (strict conformance): a
drift would be a 500, which every status assertion here would catch."""

from __future__ import annotations

import json
import struct
import uuid
from datetime import UTC

import pytest

from emulator.config import Config
from emulator.runtime import Emulator

from .conftest import KEY, SEED_REQUEST
from .seeds import RESPONSE

EXAMPLE_FIELDS = list(json.loads(RESPONSE))


async def test_the_seed_request_sent_verbatim_answers_201_with_exactly_the_examples_fields(vox, api) -> None:
    r = await vox.post(
        "/v1/calls/outbound", content=json.dumps(SEED_REQUEST), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 201, r.text
    call = r.json()
    assert list(call) == [*EXAMPLE_FIELDS, "error_message"]  # the example's order; error_message documented last
    assert call["status"] == "queued" and call["direction"] == "outbound"
    assert (call["to_number"], call["from_number"]) == ("+15551234567", "+15559876543")
    assert call["client_name"] == "Jane Doe"
    assert call["context"] == SEED_REQUEST["context"] and call["metadata"] == {"crm_id": "lead_8821"}
    assert call["attempt_count"] == 0 and call["max_attempts"] == 3
    assert call["scheduled_at"] == call["created_at"]  # schedule_at null: now
    assert all(
        call[k] is None
        for k in (
            "disposition",
            "transcript",
            "recording_url",
            "structured_answers",
            "duration_seconds",
            "started_at",
            "completed_at",
            "error_message",
        )
    )
    agents = await api.ok("GET", f"/_emulator/orgs/{(await api.org())['id']}/agents")
    welcome = next(a for a in agents["data"] if a["slug"] == "welcome")
    assert call["agent_id"] == welcome["id"]  # agent_id null: the org's default outbound agent
    assert (await api.conformance())["total"] == 0


async def test_a_us_ten_digit_number_is_normalised_to_plus_one(api) -> None:
    call = await api.call(to="5551234567", **{"from": "2125550100"})
    assert (call["to_number"], call["from_number"]) == ("+15551234567", "+12125550100")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"to": "+1555123456"}, "to"),  # a +1 number needs ten digits
        ({"to": "555-123-4567"}, "to"),
        ({"to": "+15551234567", "max_attempts": 0}, "max_attempts"),
        ({"to": "+15551234567", "max_attempts": 11}, "max_attempts"),
        ({"to": "+15551234567", "max_attempts": "3"}, "max_attempts"),
        ({"to": "+15551234567", "schedule_time": "2026-12-03T00:00:00Z"}, "schedule_time"),
        ({"to": "+15551234567", "schedule_at": "2026-12-03T00:00:00"}, "schedule_at"),  # no zone
        ({"to": "+15551234567", "agent_id": "welcome"}, "agent_id"),
        ({}, "to"),
    ],
)
async def test_a_body_the_schema_refuses_is_a_422_naming_the_field_and_keeps_nothing(vox, body, field) -> None:
    r = await vox.post("/v1/calls/outbound", json=body)
    assert r.status_code == 422, r.text
    issues = r.json()["detail"]
    assert isinstance(issues, list) and issues[0]["loc"][:2] == ["body", field]
    assert set(issues[0]) == {"loc", "msg", "type"}
    assert (await vox.get("/v1/calls")).json()["total"] == 0


async def test_refused_requests_do_not_move_the_seeded_id_stream(vox) -> None:
    for body in (
        {"to": "1"},
        {"to": "+15551234567", "max_attempts": 99},
        {"to": "+15551234567", "agent_id": str(uuid.UUID(int=7))},
    ):
        assert (await vox.post("/v1/calls/outbound", json=body)).status_code in (404, 422)
    first = (await vox.post("/v1/calls/outbound", json={"to": "+15551234567"})).json()["id"]
    fresh = Emulator(Config())
    import httpx

    from emulator.api.app import create_app

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(fresh, "voxbridge")),
        base_url="http://emulator.test",
        headers={"Authorization": f"Bearer {KEY}"},
    ) as c:
        assert (await c.post("/v1/calls/outbound", json={"to": "+15551234567"})).json()["id"] == first


async def test_a_body_that_is_not_json_is_a_4xx_in_the_detail_shape(vox) -> None:
    r = await vox.post("/v1/calls/outbound", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "detail" in r.json()
    r = await vox.post("/v1/calls/outbound", content=b"to=1", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415 and isinstance(r.json()["detail"], str)


@pytest.mark.parametrize(
    "header", [None, "Bearer sk_test_emulator", "Bearer sk_live_nobody_has_this", "Basic abc", f"Token {KEY}"]
)
async def test_keys_other_than_an_orgs_sk_live_key_are_401(vox, header) -> None:
    headers = {"Authorization": header} if header else {"Authorization": ""}
    for method, path in (
        ("POST", "/v1/calls/outbound"),
        ("GET", "/v1/calls"),
        ("GET", f"/v1/calls/{uuid.UUID(int=1)}"),
    ):
        r = await vox.request(method, path, headers=headers, json={"to": "+15551234567"} if method == "POST" else None)
        assert r.status_code == 401, (method, path, r.text)
        assert isinstance(r.json()["detail"], str) and r.headers["www-authenticate"] == "Bearer"


async def test_no_default_agent_is_a_400_and_an_unknown_or_inactive_agent_a_404(api) -> None:
    org = await api.org()
    agents = (await api.ok("GET", f"/_emulator/orgs/{org['id']}/agents"))["data"]
    welcome = next(a for a in agents if a["slug"] == "welcome")
    r = await api.client.post("/v1/calls/outbound", json={"to": "+15551234567", "agent_id": str(uuid.UUID(int=5))})
    assert (r.status_code, r.json()) == (404, {"detail": "Agent not found or inactive"})
    await api.ok("PATCH", f"/_emulator/orgs/{org['id']}/agents/{welcome['id']}", json={"is_default": False})
    r = await api.client.post("/v1/calls/outbound", json={"to": "+15551234567"})
    assert (r.status_code, r.json()) == (400, {"detail": "No default agent configured"})
    await api.ok("PATCH", f"/_emulator/orgs/{org['id']}/agents/{welcome['id']}", json={"is_active": False})
    r = await api.client.post("/v1/calls/outbound", json={"to": "+15551234567", "agent_id": welcome["id"]})
    assert (r.status_code, r.json()) == (404, {"detail": "Agent not found or inactive"})
    await api.ok(
        "PATCH", f"/_emulator/orgs/{org['id']}/agents/{welcome['id']}", json={"is_active": True, "is_default": True}
    )
    assert (await api.call())["agent_id"] == welcome["id"]


async def test_the_monthly_minute_quota_counts_answered_minutes_and_answers_402(api) -> None:
    org = await api.org()
    call = await api.call()
    await api.advance(300)  # the default scenario: 45 s connected, rounded up to 1 minute
    assert (await api.get(call["id"]))["duration_seconds"] == 45
    assert (await api.org())["minutes_used"] == 1
    settings = await api.ok("PATCH", f"/_emulator/orgs/{org['id']}", json={"monthly_minutes": 1})
    assert (settings["monthly_minutes"], settings["minutes_used"]) == (1, 1)
    r = await api.client.post("/v1/calls/outbound", json={"to": "+15551234567"})
    assert (r.status_code, r.json()) == (402, {"detail": "Monthly minute limit reached"})
    assert (await api.ok("GET", "/v1/calls"))["total"] == 1
    await api.ok("PATCH", f"/_emulator/orgs/{org['id']}", json={"monthly_minutes": 2})
    await api.call()


async def test_the_list_is_newest_first_with_total_limit_offset_and_a_status_filter(api) -> None:
    ids = [(await api.call(to=f"+1555123456{i}"))["id"] for i in range(4)]
    page = await api.ok("GET", "/v1/calls", params={"limit": 2, "offset": 1})
    assert [c["id"] for c in page["items"]] == [ids[2], ids[1]]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 1)
    everything = await api.ok("GET", "/v1/calls")
    assert (everything["limit"], everything["offset"], len(everything["items"])) == (25, 0, 4)
    assert (await api.ok("GET", "/v1/calls", params={"status": "completed"}))["total"] == 0
    await api.advance(300)
    done = await api.ok("GET", "/v1/calls", params={"status": "completed"})
    assert done["total"] == 4 and {c["status"] for c in done["items"]} == {"completed"}
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"status": "no_answer"}, {"stauts": "queued"}):
        r = await api.client.get("/v1/calls", params=bad)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"][0] == "query", (bad, r.text)


async def test_another_orgs_call_is_a_404_and_a_bad_id_a_422(api) -> None:
    other = await api.ok("POST", "/_emulator/orgs", 201, json={})
    assert other["api_key"].startswith("sk_live_") and len(other["api_key"]) == len("sk_live_") + 32
    theirs = await api.ok(
        "POST",
        "/v1/calls/outbound",
        201,
        json={"to": "+15551234567"},
        headers={"Authorization": f"Bearer {other['api_key']}"},
    )
    r = await api.client.get(f"/v1/calls/{theirs['id']}")
    assert (r.status_code, r.json()) == (404, {"detail": "Call not found"})
    assert (await api.ok("GET", "/v1/calls"))["total"] == 0
    r = await api.client.get("/v1/calls/not-a-uuid")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["path", "call_id"]


async def test_an_answered_call_goes_queued_calling_completed_and_is_analysed(api) -> None:
    call = await api.call(client_name="Jane", context={"reference_number": "398690"})
    await api.advance(1.5)
    assert (await api.get(call["id"]))["status"] == "calling"
    await api.advance(300)
    done = await api.get(call["id"])
    assert (done["status"], done["disposition"], done["attempt_count"]) == ("completed", "answered", 1)
    assert done["started_at"] and done["completed_at"] and done["duration_seconds"] == 45
    turns = done["transcript"]
    assert turns and set(turns[0]) == {"role", "text", "start_seconds", "end_seconds"}
    # The agent's prompt placeholders are filled from context and client_name.
    assert any("calling Jane" in t["text"] and "398690" in t["text"] for t in turns)
    assert done["recording_url"].startswith(f"http://emulator.test/v1/calls/{call['id']}/recording.wav?token=")
    assert done["error_message"] is None


async def test_the_recording_is_a_playable_wav_as_long_as_the_call(api) -> None:
    call = await api.call()
    assert (await api.client.get(f"/v1/calls/{call['id']}/recording.wav")).status_code == 404  # not yet
    await api.advance(300)
    url = (await api.get(call["id"]))["recording_url"]
    path = url.removeprefix("http://emulator.test")
    r = await api.client.get(path, headers={"Authorization": ""})  # the token alone is enough
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    wav = r.content
    assert wav[:4] == b"RIFF" and wav[8:16] == b"WAVEfmt "
    channels, rate = struct.unpack("<HI", wav[22:28])
    bits = struct.unpack("<H", wav[34:36])[0]
    assert (channels, rate, bits) == (1, 8000, 16)
    assert struct.unpack("<I", wav[40:44])[0] == 45 * 8000 * 2 == len(wav) - 44
    assert any(wav[44 + i] for i in range(0, 8000))  # a tone, not silence, at the start
    part = await api.client.get(path, headers={"Authorization": "", "Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == wav[:100]
    past = await api.client.get(path, headers={"Authorization": "", "Range": f"bytes={len(wav)}-"})
    assert past.status_code == 416
    forged = await api.client.get(path[:-4] + "0000", headers={"Authorization": ""})
    assert forged.status_code == 401
    keyed = await api.client.get(f"/v1/calls/{call['id']}/recording.wav")
    assert keyed.status_code == 200 and keyed.content == wav


@pytest.mark.parametrize(
    "to, disposition, message",
    [
        ("+15005550001", "busy", "Line busy after 3 attempts"),
        ("+15005550002", "no_answer", "No answer after 3 attempts"),
        ("+15005550004", "voicemail", "Reached voicemail after 3 attempts"),
    ],
)
async def test_unanswered_attempts_are_redialled_then_the_call_fails(api, to, disposition, message) -> None:
    call = await api.call(to=to)
    await api.advance(60)
    between = await api.get(call["id"])
    assert (between["status"], between["attempt_count"], between["disposition"]) == ("queued", 1, None)
    await api.advance(320)
    assert (await api.get(call["id"]))["attempt_count"] == 2
    await api.advance(3600)
    done = await api.get(call["id"])
    assert (done["status"], done["disposition"], done["attempt_count"]) == ("failed", disposition, 3)
    assert done["error_message"] == message and done["duration_seconds"] == 0
    assert done["transcript"] is None and done["recording_url"] is None


async def test_one_attempt_allowed_fails_at_once_and_a_canceled_call_is_not_redialled(api) -> None:
    once = await api.call(to="+15005550001", max_attempts=1)
    canceled = await api.call(to="+15005550005")
    await api.advance(120)
    assert (await api.get(once["id"]))["status"] == "failed"
    assert (await api.get(once["id"]))["error_message"] == "Line busy"
    stopped = await api.get(canceled["id"])
    assert (stopped["status"], stopped["disposition"], stopped["attempt_count"]) == ("failed", "canceled", 1)


async def test_a_scheduled_call_waits_queued_until_schedule_at(api) -> None:
    now = (await api.ok("GET", "/_emulator/clock"))["unix"]
    from datetime import datetime

    at = datetime.fromtimestamp(int(now) + 3600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    call = await api.call(schedule_at=at)
    assert call["scheduled_at"] == at
    await api.advance(3590)
    assert (await api.get(call["id"]))["status"] == "queued"
    await api.advance(15)
    assert (await api.get(call["id"]))["status"] == "calling"


async def test_a_refused_dispatch_is_a_502_and_nothing_is_kept(api) -> None:
    r = await api.client.post("/v1/calls/outbound", json={"to": "+15005550008"})
    assert (r.status_code, r.json()) == (502, {"detail": "Telephony provider could not place the call"})
    assert (await api.ok("GET", "/v1/calls"))["total"] == 0


async def test_structured_answers_are_the_scenarios_result_values(api) -> None:
    yaml_text = (
        'scenarios:\n  - name: confirmed\n    match: {to: "+15551230000"}\n    outcome: completed\n'
        "    result: {confirmed: true, reason: null}\n"
    )
    await api.ok("POST", "/_emulator/scenarios", 201, content=yaml_text, headers={"Content-Type": "application/yaml"})
    call = await api.call(to="+15551230000")
    await api.advance(300)
    assert (await api.get(call["id"]))["structured_answers"] == {"confirmed": True, "reason": None}


async def test_unknown_v1_routes_and_methods_are_refused(vox) -> None:
    assert (await vox.delete(f"/v1/calls/{uuid.UUID(int=1)}")).status_code == 405
    assert (await vox.get("/v1/agents")).status_code == 404


async def test_a_body_over_a_mebibyte_is_a_413_in_the_detail_shape_and_keeps_nothing(vox) -> None:
    big = json.dumps({"to": "+15551234567", "metadata": {"blob": "x" * (1024 * 1024)}})
    r = await vox.post("/v1/calls/outbound", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and isinstance(r.json()["detail"], str)
    assert (await vox.get("/v1/calls")).json()["total"] == 0


async def test_an_org_without_a_quota_setting_gets_the_default(api) -> None:
    state = (await api.client.get("/_emulator/state")).json()
    state["orgs"][0]["monthly_minutes"] = None  # as a state file written under the other dialect has it
    await api.ok("PUT", "/_emulator/state", json=state)
    assert (await api.org())["monthly_minutes"] == 1000
    await api.call()


async def test_a_head_of_the_recording_gives_its_size_without_the_audio(api) -> None:
    call = await api.call()
    await api.advance(300)
    r = await api.client.head(f"/v1/calls/{call['id']}/recording.wav")
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == 44 + 45 * 8000 * 2 and r.headers["content-type"] == "audio/wav"

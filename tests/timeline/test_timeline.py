"""A call's whole story (GET /_emulator/calls/{id}/timeline) and its replay
(POST /_emulator/timelines/replay), through HTTP in-process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from emulator.runtime import Emulator

SINK = "http://emulator.test/_emulator/sinks/story"
MINE = """
scenarios:
  - name: mine
    match: {to: "+1555123"}
    outcome: completed
    timing: {ring: 3, talk: 20, extraction: 2}
    result: {interested: true}
"""


@pytest.fixture
def wired(emulator: Emulator, client: httpx.AsyncClient) -> httpx.AsyncClient:
    emulator.transport.mount("http://emulator.test", client._transport.app)  # type: ignore[attr-defined]
    return client


async def ok(client: httpx.AsyncClient, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    r = await client.request(method, path, **kw)
    assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
    return r.json()


async def a_call(api: Any, client: httpx.AsyncClient, to: str = "+15005550006", **headers: str) -> dict[str, Any]:
    agent = await api.agent(webhook_url=SINK, returns={"interested": "boolean", "note": "string"})
    return await ok(client, "POST", "/v1/calls", 201, json={"agent_id": agent["id"], "to": to}, headers=headers)


async def finished(client: httpx.AsyncClient, call: dict[str, Any]) -> dict[str, Any]:
    await ok(client, "GET", f"/v1/calls/{call['id']}")
    await ok(client, "POST", "/_emulator/clock/run_until_idle", json={})
    return await ok(client, "GET", f"/_emulator/calls/{call['id']}/timeline")


async def test_the_story_of_a_completed_call_in_order(wired: httpx.AsyncClient, api: Any) -> None:
    call = await a_call(api, wired)
    doc = await finished(wired, call)
    assert doc["format"] == "callingbox-emulator.timeline/1" and doc["truncated"] == []
    assert doc["call"]["id"] == call["id"] and doc["call"]["status"] == "completed"
    assert doc["scenario"] == {
        "name": "magic-completed",
        "reason": "match",
        "match": {"to": "+15005550006"},
        "source": doc["scenario"]["source"],
    }
    offsets = [e["offset"] for e in doc["entries"]]
    assert offsets == sorted(offsets)
    requests = [e for e in doc["entries"] if e["kind"] == "request"]
    assert [(r["method"], r["status"], r["creates_call"]) for r in requests] == [
        ("POST", 201, True),
        ("GET", 200, False),
    ]
    assert call["id"] in requests[0]["response_body"] and requests[0]["offset"] == 0
    steps = [(e["from"], e["to"]) for e in doc["entries"] if e["kind"] == "transition"]
    assert steps == [
        (None, "queued"),
        ("queued", "initiated"),
        ("initiated", "ringing"),
        ("ringing", "in_progress"),
        ("in_progress", "completed"),
    ]
    assert all(
        e["wall"].endswith("Z") and e["at"].endswith("Z")
        for e in doc["entries"]
        if e["kind"] in ("transition", "event")
    )
    events = [e["type"] for e in doc["entries"] if e["kind"] == "event"]
    assert events == ["call.queued", "call.ringing", "call.answered", "call.completed"]
    attempts = [e for e in doc["entries"] if e["kind"] == "webhook_attempt"]
    assert [a["event_type"] for a in attempts] == events
    assert all(a["response_status"] == 200 and a["latency_ms"] >= 0 and a["url"] == SINK for a in attempts)
    assert (
        '"call.completed"' in attempts[-1]["request_body"] and "CallingBox-Signature" in attempts[-1]["request_headers"]
    )
    assert sorted(doc["generated"]["result"]) == ["interested", "note"]
    assert doc["agent"]["returns"] == {"interested": "boolean", "note": "string"}


async def test_the_reason_a_scenario_was_chosen(wired: httpx.AsyncClient, api: Any) -> None:
    await ok(wired, "POST", "/_emulator/scenarios", 201, content=MINE, headers={"Content-Type": "application/yaml"})
    by_match = await a_call(api, wired, to="+15551234567")
    by_header = await a_call(api, wired, to="+15551234567", **{"CallingBox-Emulator-Scenario": "magic-busy"})
    by_default = await a_call(api, wired, to="+14155550199")
    choice = {
        c["id"]: (await ok(wired, "GET", f"/_emulator/calls/{c['id']}/timeline"))["scenario"]
        for c in (by_match, by_header, by_default)
    }
    assert (choice[by_match["id"]]["name"], choice[by_match["id"]]["reason"]) == ("mine", "match")
    assert choice[by_match["id"]]["match"] == {"to": "+1555123"}
    assert (choice[by_header["id"]]["name"], choice[by_header["id"]]["reason"]) == ("magic-busy", "header")
    assert (choice[by_default["id"]]["name"], choice[by_default["id"]]["reason"]) == ("default", "default")


async def test_a_story_whose_requests_left_the_journal_says_so(wired: httpx.AsyncClient, api: Any) -> None:
    call = await a_call(api, wired)
    await ok(wired, "DELETE", "/_emulator/requests")
    doc = await finished(wired, call)
    assert doc["truncated"] == ["requests"]
    r = await wired.post("/_emulator/timelines/replay", json=doc)
    assert r.status_code == 400 and "no request created the call" in r.json()["error"]


async def test_unknown_calls_and_parameters(wired: httpx.AsyncClient) -> None:
    r = await wired.get("/_emulator/calls/a170b338-3926-4059-b28c-105d1fb17c23/timeline")
    assert r.status_code == 404 and "not found" in r.json()["error"]
    r = await wired.get("/_emulator/calls/nope/timeline")
    assert r.status_code == 404
    r = await wired.get("/_emulator/calls/a170b338-3926-4059-b28c-105d1fb17c23/timeline", params={"x": "1"})
    assert r.status_code == 400 and "unknown query parameter x" in r.json()["error"]


async def test_the_same_build_replays_with_no_difference(wired: httpx.AsyncClient, api: Any) -> None:
    call = await a_call(api, wired)
    doc = await finished(wired, call)
    answer = await ok(wired, "POST", "/_emulator/timelines/replay", json=doc)
    assert answer["differences"] == [] and answer["same"] is True
    replayed = answer["replayed"]
    assert replayed["call"]["id"] != call["id"] and replayed["call"]["status"] == "completed"
    assert [e["kind"] for e in replayed["entries"]] == [e["kind"] for e in doc["entries"]]


async def test_a_changed_scenario_is_reported(wired: httpx.AsyncClient, api: Any) -> None:
    await ok(wired, "POST", "/_emulator/scenarios", 201, content=MINE, headers={"Content-Type": "application/yaml"})
    call = await a_call(api, wired, to="+15551234567")
    doc = await finished(wired, call)
    assert (await ok(wired, "POST", "/_emulator/timelines/replay", json=doc))["same"] is True
    busy = MINE.replace("outcome: completed", "outcome: busy").replace("    result: {interested: true}\n", "")
    await ok(wired, "POST", "/_emulator/scenarios", 201, content=busy, headers={"Content-Type": "application/yaml"})
    answer = await ok(wired, "POST", "/_emulator/timelines/replay", json=doc)
    assert answer["same"] is False
    found = {d["pointer"]: (d["recorded"], d["replayed"]) for d in answer["differences"]}
    assert found["/result/status"] == ("completed", "busy")
    assert found["/events/1/0"] == ("call.ringing", "call.busy")
    assert found["/result/result"] == ({"interested": True, "note": "<generated str>"}, None)


async def test_a_changed_literal_result_is_reported(wired: httpx.AsyncClient, api: Any) -> None:
    await ok(wired, "POST", "/_emulator/scenarios", 201, content=MINE, headers={"Content-Type": "application/yaml"})
    doc = await finished(wired, await a_call(api, wired, to="+15551234567"))
    other = MINE.replace("{interested: true}", "{interested: false}")
    await ok(wired, "POST", "/_emulator/scenarios", 201, content=other, headers={"Content-Type": "application/yaml"})
    answer = await ok(wired, "POST", "/_emulator/timelines/replay", json=doc)
    pointers = {d["pointer"] for d in answer["differences"]}
    assert "/result/result/interested" in pointers
    assert any(p.startswith("/webhooks/3/body/data") for p in pointers)  # call.completed carries the result


async def test_replay_moves_nothing_of_the_running_emulator(wired: httpx.AsyncClient, api: Any) -> None:
    doc = await finished(wired, await a_call(api, wired))
    clock = await ok(wired, "GET", "/_emulator/clock")
    orgs = await ok(wired, "GET", "/_emulator/orgs")
    journal = await ok(wired, "GET", "/_emulator/requests")
    sink = await ok(wired, "GET", "/_emulator/sinks/story")
    await ok(wired, "POST", "/_emulator/timelines/replay", json=doc)
    assert await ok(wired, "GET", "/_emulator/clock") == clock
    assert await ok(wired, "GET", "/_emulator/orgs") == orgs
    assert (await ok(wired, "GET", "/_emulator/requests"))["total_requests"] == journal["total_requests"]
    assert await ok(wired, "GET", "/_emulator/sinks/story") == sink  # the replay's webhooks reached no one


async def test_a_failing_receiver_is_answered_the_same_way_in_the_replay(
    wired: httpx.AsyncClient, api: Any, dead_url: str
) -> None:
    agent = await api.agent(webhook_url=dead_url)
    call = await ok(wired, "POST", "/v1/calls", 201, json={"agent_id": agent["id"], "to": "+15005550001"})
    await ok(wired, "POST", "/_emulator/clock/advance", json={"seconds": 600})
    doc = await ok(wired, "GET", f"/_emulator/calls/{call['id']}/timeline")
    attempts = [e for e in doc["entries"] if e["kind"] == "webhook_attempt"]
    assert len(attempts) >= 3 and all(a["response_status"] is None and a["error"] for a in attempts)
    answer = await ok(wired, "POST", "/_emulator/timelines/replay", json=doc)
    assert answer["differences"] == []


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(format="other/1"), "format"),
        (lambda d: d.pop("entries"), "entries: is required"),
        (lambda d: d["entries"][0].update(path="/_emulator/reset"), "entries.0: path"),
        (lambda d: d["entries"][0].update(method="TRACE"), "entries.0: method"),
        (lambda d: d["entries"][0].update(offset=-1), "entries.0: offset"),
        (lambda d: d["call"].update(created_at="soon"), "call.created_at"),
        (lambda d: d["captured_at"].update(offset=1e12), "captured_at.offset"),
        (lambda d: d["entries"].insert(0, 5), "entries.0: must be a JSON object"),
    ],
)
async def test_a_bad_document_is_400_and_changes_nothing(
    wired: httpx.AsyncClient, api: Any, change: Any, message: str
) -> None:
    doc = await finished(wired, await a_call(api, wired))
    clock = await ok(wired, "GET", "/_emulator/clock")
    change(doc)
    r = await wired.post("/_emulator/timelines/replay", json=doc)
    assert r.status_code == 400 and message in r.json()["error"], r.text
    assert await ok(wired, "GET", "/_emulator/clock") == clock


async def test_not_json_and_empty_bodies(wired: httpx.AsyncClient) -> None:
    r = await wired.post("/_emulator/timelines/replay", content=b"[1]", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON object" in r.json()["error"]
    r = await wired.post("/_emulator/timelines/replay")
    assert r.status_code == 400 and "request body is required" in r.json()["error"]
    r = await wired.post("/_emulator/timelines/replay", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


async def test_a_hand_edited_story_is_compared_never_a_500(wired: httpx.AsyncClient, api: Any) -> None:
    doc = await finished(wired, await a_call(api, wired))
    doc["generated"] = [1, 2]
    doc["entries"] += [
        {"kind": "transition"},
        {"kind": "webhook_attempt", "request_body": {"not": "text"}},
        {"kind": "event", "type": ["odd"]},
    ]
    answer = await ok(wired, "POST", "/_emulator/timelines/replay", json=doc)
    found = {d["pointer"]: (d["recorded"], d["replayed"]) for d in answer["differences"]}
    assert found["/transitions/5"] == ([None, None, None], None)
    assert found["/events/4"] == ([["odd"], None], None)

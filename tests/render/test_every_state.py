"""Kept bytes against fresh ones over every state a call goes through, in both dialects.

At every step of the virtual clock each call is read by id and in the list, twice (the first
read renders when the call changed, the second is served from what was kept), and both bodies
must be byte for byte what the handlers wrote before bodies were kept. A body that changed
must have been rendered anew: nothing stale is ever served.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from .conftest import Served, cb_call, cb_page, vox_call, vox_list

SCENARIO = "callingbox-emulator-scenario"
# Virtual seconds between reads: every second through dial, ring, talk and extraction, then
# minutes through redials and early webhook retries, then hours and days until every retry is spent.
STEPS = [1.0] * 70 + [30.0] * 40 + [3600.0] * 4 + [86400.0] * 3


class Reader:
    """Reads calls twice over HTTP and checks each body against the oracle."""

    def __init__(self, served: Served, one: Callable[[Any], bytes]) -> None:
        self.served, self.one = served, one
        self.last: dict[str, bytes] = {}
        self.seen: list[dict[str, Any]] = []

    async def twice(self, path: str, **params: Any) -> bytes:
        first = await self.served.client.get(path, params=params)
        renders = self.served.kept.renders
        second = await self.served.client.get(path, params=params)
        assert first.status_code == second.status_code == 200, first.text
        assert first.headers == second.headers
        assert first.headers["content-type"] == "application/json"
        assert first.content == second.content, path
        assert self.served.kept.renders == renders, f"{path}: the second read rendered again"
        return first.content

    async def call(self, call_id: str) -> None:
        before = self.served.kept.renders
        body = await self.twice(f"/v1/calls/{call_id}")
        assert body == self.one(self.served.record(call_id)), call_id
        if call_id in self.last and body != self.last[call_id]:
            assert self.served.kept.renders == before + 1, f"{call_id} changed but was not rendered anew"
        self.last[call_id] = body
        self.seen.append(json.loads(body))


async def test_callingbox_every_state_reads_as_before(cb: Served, closed_url: str) -> None:
    api = cb.ok
    numbers = [
        await api("POST", "/v1/numbers/purchase", 201, json={"phone_number": n["phone_number"]})
        for n in await api("GET", "/v1/numbers/available", params={"area_code": "415", "limit": 2})
    ]
    returns = {"confirmed": "boolean", "reason": "string"}
    sink = f"{cb.emulator.base_url}/_emulator/sinks/calls"
    common = {"type": "outbound", "number_ids": [numbers[0]["id"]], "returns": returns}
    agent = await api("POST", "/v1/agents", 201, json={"name": "A", "webhook_url": sink, **common})
    leaves = await api(
        "POST",
        "/v1/agents",
        201,
        json={"name": "L", "voicemail_action": "leave_message", "webhook_url": closed_url, **common},
    )
    await api("POST", "/v1/agents", 201, json={"name": "In", "type": "inbound", "number_ids": [numbers[1]["id"]]})
    ids = [
        (await api("POST", "/v1/calls", 201, json={"agent_id": agent["id"], "to": f"+1500555000{n}"}))["id"]
        for n in (6, 1, 2, 3, 4, 5, 7)  # completed, busy, no answer, failed, voicemail, canceled, extraction failed
    ]
    ids.append((await api("POST", "/v1/calls", 201, json={"agent_id": leaves["id"], "to": "+15005550004"}))["id"])
    legacy = {"to": "+15005550006", "prompt": "Hi", "returns": returns, "webhook_url": closed_url, "language": "fr"}
    ids.append((await api("POST", "/v1/calls", 201, json=legacy))["id"])
    placed = await api("POST", "/_emulator/inbound_calls", 201, json={"from": "+14155550123", "to": numbers[1]["e164"]})
    ids.append(placed["id"])
    ids.append((await api("POST", "/v1/calls", 201, json={"agent_id": agent["id"], "to": "+14155550100"}))["id"])

    reader = Reader(cb, cb_call)
    for step in [0.0, *STEPS]:
        await cb.advance(step) if step else None
        for call_id in ids:
            await reader.call(call_id)
        for params in ({"limit": 25}, {"limit": 3}, {"limit": 4, "status": "completed"}):
            body = await reader.twice("/v1/calls", **params)
            listed = json.loads(body)
            rows = [cb.record(row["id"]) for row in listed["data"]]
            assert body == cb_page(rows, listed["has_more"]), params
        page = json.loads(await reader.twice("/v1/calls", limit=3))
        assert page["has_more"] is True and len(page["data"]) == 3

    seen = reader.seen
    assert {c["status"] for c in seen} >= {
        "queued", "initiated", "ringing", "in_progress", "completed", "no_answer", "busy", "failed", "canceled"
    }  # fmt: skip
    assert {c["webhook_status"] for c in seen} >= {"none", "delivered", "failed"}
    assert {c["result_status"] for c in seen} >= {"pending", "completed", "failed"}
    assert any(c["answered_by"] == "machine" and c["ended_at"] is None for c in seen)  # leaving a message
    assert {c["direction"] for c in seen} == {"inbound", "outbound"}


async def test_voxbridge_every_state_reads_as_before(vox: Served) -> None:
    api = vox.ok

    async def outbound(scenario: str | None = None, **body: Any) -> str:
        headers = {SCENARIO: scenario} if scenario else {}
        made = await api("POST", "/v1/calls/outbound", 201, json={"to": "+15551234567", **body}, headers=headers)
        return str(made["id"])

    ids = [await outbound(client_name="Jane", context={"ref": "398690"}, metadata={"crm": "lead"})]
    ids += [await outbound(name, max_attempts=n) for name, n in (("magic-busy", 3), ("magic-no-answer", 2))]
    ids += [
        await outbound(name, max_attempts=1)
        for name in ("magic-failed", "magic-voicemail", "magic-canceled", "magic-extraction-failed")
    ]
    created = datetime.fromisoformat((await api("GET", f"/v1/calls/{ids[0]}"))["created_at"])
    ids.append(await outbound(schedule_at=(created + timedelta(seconds=120)).isoformat()))
    ids.append(
        (await api("POST", "/_emulator/inbound_calls", 201, json={"from": "+14155550100", "to": "+15551234567"}))["id"]
    )

    reader = Reader(vox, lambda call: vox_call(vox.emulator, call))
    for i, step in enumerate([0.0, *STEPS]):
        await vox.advance(step) if step else None
        if i == 100:  # the server moved: recording links follow (the base URL is part of the key)
            vox.emulator.base_url = "http://moved.test"
        for call_id in ids:
            await reader.call(call_id)
        for params in ({"limit": 25}, {"limit": 3, "offset": 2}, {"limit": 5, "status": "failed"}):
            body = await reader.twice("/v1/calls", **params)
            listed = json.loads(body)
            rows = [vox.record(row["id"]) for row in listed["items"]]
            assert body == vox_list(vox.emulator, rows, listed["total"], listed["limit"], listed["offset"]), params

    seen = reader.seen
    assert {c["status"] for c in seen} == {"queued", "calling", "completed", "failed"}
    assert {c["disposition"] for c in seen} >= {
        None,
        "answered",
        "busy",
        "no_answer",
        "voicemail",
        "canceled",
        "failed",
    }
    assert any(c["status"] == "queued" and c["attempt_count"] == 2 for c in seen)  # waiting to redial
    assert any(c["status"] == "failed" and c["attempt_count"] == 3 for c in seen)
    links = {c["recording_url"].split("/v1/")[0] for c in seen if c["recording_url"]}
    assert links == {"http://emulator.test", "http://moved.test"}
    assert {c["direction"] for c in seen} == {"inbound", "outbound"}

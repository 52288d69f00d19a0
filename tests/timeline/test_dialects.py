"""Timelines, replay and conformance in another dialect (VoxBridge): the same routes, the same story."""

from __future__ import annotations

import httpx

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

KEY = "sk_live_emulator"


async def test_a_voxbridge_call_has_a_story_that_replays_clean_and_answers_on_contract() -> None:
    emulator = Emulator(Config(conformance="strict"))
    app = create_app(emulator, "voxbridge")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1", headers={"Authorization": f"Bearer {KEY}"}
    ) as client:
        made = await client.post("/v1/calls/outbound", json={"to": "5551234567", "client_name": "Jane Doe"})
        assert made.status_code == 201, made.text
        assert (await client.post("/_emulator/clock/advance", json={"seconds": 300})).status_code == 200
        listed = await client.get("/v1/calls", params={"limit": 10})
        assert listed.status_code == 200 and listed.json()["items"][0]["status"] == "completed"
        doc = (await client.get(f"/_emulator/calls/{made.json()['id']}/timeline")).json()
        kinds = [(e["kind"], e.get("to") or e.get("type") or e.get("path")) for e in doc["entries"]]
        assert kinds[0] == ("request", "/v1/calls/outbound")
        assert ("transition", "completed") in kinds and ("event", "call.ended") in kinds
        answer = await client.post("/_emulator/timelines/replay", json=doc)
        assert answer.status_code == 200 and answer.json()["differences"] == []
        report = (await client.get("/_emulator/conformance")).json()
        assert report == {"mode": "strict", "total": 0, "data": []}

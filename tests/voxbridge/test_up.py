"""`callingbox-emulator up --dialect voxbridge` as a real process (flag and environment variable,
the banner, a curl-like call, the state file), and the event stream on a real socket."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from observe.conftest import Stream
from up_process import Up, clean_env

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

KEY = "sk_live_emulator"
TIMEOUT = 30.0


def post(up: Up, path: str, body: dict[str, Any], key: str = KEY) -> httpx.Response:
    return httpx.post(up.base_url + path, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_up_speaks_voxbridge_and_its_banner_gives_the_key_and_webhook_secret(
    start: Callable[..., Up], how: str
) -> None:
    if how == "flag":
        up = start("--port", "0", "--dialect", "voxbridge").ready()
    else:
        up = start("--port", "0", env=clean_env(CALLINGBOX_EMULATOR_DIALECT="voxbridge")).ready()
    assert up.banner["api_key"] == up.banner["export_key"] == KEY
    secret = up.banner["secret"]
    assert secret.startswith("vbsec_") and "webhook_secret" in up.text and "voxbridge" in up.text
    assert "timeout 15 s" in up.text  # the documented webhook timeout, the dialect's where none was chosen
    made = post(up, "/v1/calls/outbound", {"to": "5551234567"})
    assert made.status_code == 201 and made.json()["to_number"] == "+15551234567"
    assert post(up, "/v1/calls/outbound", {"to": "5551234567"}, key="sk_test_emulator").status_code == 401
    listed = httpx.get(up.base_url + "/v1/calls", headers={"Authorization": f"Bearer {KEY}"}, timeout=10).json()
    assert (listed["total"], listed["items"][0]["id"]) == (1, made.json()["id"])
    contract = httpx.get(up.base_url + "/openapi.yaml", timeout=10)
    assert b"/v1/calls/outbound" in contract.content and b"X-Voice-Signature" in contract.content
    orgs = httpx.get(up.base_url + "/_emulator/orgs", timeout=10).json()["data"]
    org = httpx.get(f"{up.base_url}/_emulator/orgs/{orgs[0]['id']}", timeout=10).json()
    assert org["webhook_secret"] == secret
    assert up.stop(timeout=TIMEOUT) == 0


def test_the_state_file_round_trips_a_voxbridge_state(start: Callable[..., Up], tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = start("--port", "0", "--dialect", "voxbridge", "--state-file", str(path), "--clock", "manual").ready()
    call = post(first, "/v1/calls/outbound", {"to": "+15005550001", "client_name": "Kept"}).json()
    httpx.post(first.base_url + "/_emulator/clock/advance", json={"seconds": 60}, timeout=30)
    before = httpx.get(f"{first.base_url}/v1/calls/{call['id']}", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert (before["status"], before["attempt_count"]) == ("queued", 1)  # a redial is due
    assert first.stop(timeout=TIMEOUT) == 0
    assert call["id"] in {c["id"] for org in json.loads(path.read_text())["orgs"] for c in org["calls"]}
    second = start("--port", "0", "--dialect", "voxbridge", "--state-file", str(path), "--clock", "manual").ready()
    headers = {"Authorization": f"Bearer {KEY}"}
    assert httpx.get(f"{second.base_url}/v1/calls/{call['id']}", headers=headers).json() == before
    httpx.post(second.base_url + "/_emulator/clock/advance", json={"seconds": 2000}, timeout=30)
    after = httpx.get(f"{second.base_url}/v1/calls/{call['id']}", headers=headers).json()
    assert (after["status"], after["attempt_count"], after["client_name"]) == ("failed", 3, "Kept")
    assert second.stop(timeout=TIMEOUT) == 0


def test_the_event_stream_carries_voxbridge_events_and_calls() -> None:
    with ServerThread(Emulator(Config(dialect="voxbridge", conformance="strict"))) as server:
        stream = Stream(server.base_url)
        try:
            made = httpx.post(
                server.base_url + "/v1/calls/outbound",
                json={"to": "+15551234567"},
                headers={"Authorization": f"Bearer {KEY}"},
                timeout=10,
            )
            assert made.status_code == 201
            httpx.post(server.base_url + "/_emulator/clock/advance", json={"seconds": 300}, timeout=30)
            seen = stream.until(lambda m: m.event == "call.analyzed")
            calls = [m for m in seen if m.event.startswith("call.")]
            assert [m.event for m in calls] == ["call.queued", "call.ended", "call.analyzed"]
            last = calls[-1].data
            assert json.dumps(last).count(made.json()["id"]) >= 1
            assert "completed" in json.dumps(last)
        finally:
            stream.close()

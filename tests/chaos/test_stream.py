"""On a real socket: the event stream's ``delivery.attempt`` carries what chaos did, and a
duplicate reaches the sink twice with one event id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread
from tests.observe.conftest import Live


@pytest.fixture
def live() -> Iterator[Live]:
    emulator = Emulator(Config(seed=5))
    with ServerThread(emulator) as server:
        handle = Live(server, emulator)
        try:
            yield handle
        finally:
            handle.close()


def test_the_stream_shows_each_attempts_chaos(live: Live) -> None:
    sink = f"{live.base_url}/_emulator/sinks/chaos"
    rule = live.ok(
        "POST", "/_emulator/webhook_chaos", 201, json={"url": sink, "duplicate": 1.0, "stale_timestamp_seconds": 3600}
    )
    stream = live.stream({"type": "delivery.attempt,sink.received"})
    call = live.call(live.agent(webhook_url=sink)["id"])
    live.control.post("/_emulator/clock/run_until_idle", json={})
    seen = stream.until(
        lambda m: (
            m.event == "delivery.attempt"
            and m.data["data"]["event_type"] == "call.completed"
            and [c["action"] for c in m.data["data"]["chaos"]] == ["duplicate"]
        )
    )
    attempts = [m.data["data"] for m in seen if m.event == "delivery.attempt"]
    assert [a["event_type"] for a in attempts][-2:] == ["call.completed", "call.completed"]
    first, copy = attempts[-2], attempts[-1]
    assert [c["action"] for c in first["chaos"]] == ["stale_timestamp"] and rule["id"] in first["chaos"][0]["why"]
    assert [c["action"] for c in copy["chaos"]] == ["duplicate"]
    assert first["request_headers"]["CallingBox-Event-Id"] == copy["request_headers"]["CallingBox-Event-Id"]
    arrived = [
        w
        for w in live.ok("GET", "/_emulator/sinks/chaos")["data"]
        if w["call_id"] == call["id"] and w["event_type"] == "call.completed"
    ]
    assert len(arrived) == 2 and not any(w["verified"] for w in arrived)  # an hour old: refused by the sink

"""A reader that stops reading is cut off once it is further behind than the feed's ring
(300 items here); a reader that keeps up, even through bursts, misses nothing."""

from __future__ import annotations

import socket
import time

import pytest

from emulator.config import Config
from tests.observe.conftest import DEADLINE, Live

RING = 300


@pytest.fixture
def live_config() -> Config:
    return Config(stream_replay=RING)


def test_a_reader_that_stops_reading_is_cut_off_and_never_slows_the_emulator(live: Live) -> None:
    host, port = live.base_url.removeprefix("http://").split(":")
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server's writes back up
    stalled.connect((host, int(port)))
    stalled.sendall(f"GET /_emulator/events/stream HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    healthy = live.stream({"type": "call.completed"})
    sink = f"{live.base_url}/_emulator/sinks/load"
    agent = live.agent(webhook_url=sink)["id"]
    # Big calls (300 KB of context each, in every event, attempt and arrival): far more than the
    # socket buffers hold (4 MB at most), so the stalled reader's cursor stops moving.
    with live.api() as api:
        calls = [
            api.post(
                "/v1/calls", json={"agent_id": agent, "to": "+15005550006", "context": {"notes": "x" * 300_000}}
            ).json()
            for _ in range(12)
        ]

    started = time.monotonic()
    assert live.control.post("/_emulator/clock/run_until_idle", json={}).status_code == 200
    for _ in range(RING + 20):  # then more items than the ring holds, one request each
        live.control.post("/_emulator/clock/advance", json={"seconds": 1})
    assert time.monotonic() - started < DEADLINE  # the emulator did not wait for the stalled reader
    done = healthy.until(lambda m: m.event == "call.completed" and m.data["call_id"] == calls[-1]["id"])
    assert len(done) == 12  # the reader that keeps up misses nothing

    stalled.settimeout(DEADLINE)
    received = bytearray()
    while chunk := stalled.recv(1 << 20):  # the server closes it: recv ends with b"" (no hang)
        received += chunk
    stalled.close()
    # It got what the socket buffers held when it was cut off, not the ~25 MB published.
    assert received.startswith(b"HTTP/1.1 200") and len(received) < 12 * 1_000_000
    assert healthy.ended.is_set() is False


def test_a_burst_published_in_one_request_reaches_every_reader(live: Live) -> None:
    agent = live.agent()["id"]
    calls = [live.call(agent)["id"] for _ in range(80)]
    readers = [live.stream({"type": "call.completed"}), live.stream()]
    # One request runs every call to its end without yielding: 240 events in one go, under the ring.
    live.control.post("/_emulator/clock/run_until_idle", json={})
    for reader in readers:
        done = reader.until(lambda m: m.event == "call.completed" and m.data["call_id"] == calls[-1])
        assert [m.data["call_id"] for m in done if m.event == "call.completed"] == calls


def test_too_many_readers_get_503() -> None:
    from emulator.domain.events import Feed, TooManyReaders

    feed = Feed(lambda: 0.0, lambda: 0.0, max_readers=2)
    feed.subscribe(lambda i: True, lambda: None)
    feed.subscribe(lambda i: True, lambda: None)
    with pytest.raises(TooManyReaders, match="2 event-stream readers are connected already"):
        feed.subscribe(lambda i: True, lambda: None)

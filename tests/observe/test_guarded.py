"""With a control token, the stream, the waits and the dashboard's routes follow the guard."""

from __future__ import annotations

import httpx
import pytest

from emulator.config import Config
from tests.observe.conftest import Live

TOKEN = "t0ken-for-tests"


@pytest.fixture
def live_config() -> Config:
    return Config(control_token=TOKEN)


def test_the_stream_takes_the_token_as_header_or_query_and_nothing_else(live: Live) -> None:
    r = live.control.get("/_emulator/events/stream")
    assert r.status_code == 401 and "X-Emulator-Token" in r.json()["error"]
    assert live.control.get("/_emulator/events/stream", params={"token": "wrong"}).status_code == 401
    assert live.stream({"token": TOKEN}).status == 200
    assert live.stream(headers={"X-Emulator-Token": TOKEN}).status == 200
    # The query form is for the stream only (an EventSource cannot send headers).
    assert live.control.get("/_emulator/calls", params={"token": TOKEN}).status_code == 401
    assert live.control.get("/_emulator/calls", headers={"X-Emulator-Token": TOKEN}).status_code == 200


def test_the_dashboard_page_loads_without_the_token_and_its_data_does_not(live: Live) -> None:
    for path, media in (
        ("/_emulator/ui", "text/html"),
        ("/_emulator/ui/app.js", "text/javascript"),
        ("/_emulator/ui/app.css", "text/css"),
    ):
        r = live.control.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
    assert live.control.get("/_emulator/ui/secrets.js").status_code == 401  # not an asset: guarded
    for path in (
        "/_emulator/sinks",
        "/_emulator/calls",
        f"/_emulator/orgs/{live.emulator.default_org.id}/webhook_endpoints",
    ):
        assert live.control.get(path).status_code == 401


def test_waits_are_guarded_unlike_the_sink_itself(live: Live) -> None:
    body = {"type": "call.completed"}
    assert live.control.post("/_emulator/sinks/s/wait", json=body).status_code == 401
    assert live.control.post("/_emulator/sinks/s", json={"any": "webhook"}).status_code == 200  # senders have no token
    headers = {"X-Emulator-Token": TOKEN, "Origin": "http://evil.example"}
    r = live.control.post("/_emulator/sinks/s/wait", json=body, headers=headers)
    assert r.status_code == 403 and "cross-site" in r.json()["error"]
    r = httpx.post(
        f"{live.base_url}/_emulator/sinks/s/wait",
        content=b'{"type": "call.completed"}',
        headers={"X-Emulator-Token": TOKEN, "Content-Type": "text/plain"},
    )
    assert r.status_code == 415

"""POST /_emulator/reset is the state `up` started with: the seeded start, and the clock back at
its start time, in the mode and at the speed it was configured with (in process, and `up`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from up_process import Up

from emulator.config import Config

from .conftest import advance, ok
from .test_state_file import TIMEOUT


async def test_reset_puts_the_manual_clock_back_at_its_start(client: httpx.AsyncClient, api: Any) -> None:
    started = await ok(client, "GET", "/_emulator/clock")
    agent = await api.agent()
    first = await api.call(agent["id"])
    await advance(client, 7200)
    await ok(client, "POST", "/_emulator/clock", json={"mode": "realtime", "speed": 50})
    assert (await ok(client, "GET", "/_emulator/clock"))["unix"] >= started["unix"] + 7200

    answer = await ok(client, "POST", "/_emulator/reset")
    assert answer["reset"] is True
    assert await ok(client, "GET", "/_emulator/clock") == started  # manual, speed 1, the start time
    # The seeded start: the same ids and times come again.
    again = await api.agent()
    assert again["id"] == agent["id"] and again["created_at"] == agent["created_at"]
    replay = await api.call(again["id"])
    assert replay["id"] == first["id"] and replay["created_at"] == first["created_at"]


@pytest.fixture
def config(request: pytest.FixtureRequest) -> Config:
    return getattr(request, "param", Config())


@pytest.mark.parametrize("config", [Config(clock="realtime", speed=20)], indirect=True)
async def test_reset_restores_a_configured_realtime_clock(client: httpx.AsyncClient) -> None:
    started = await ok(client, "GET", "/_emulator/clock")
    await ok(client, "POST", "/_emulator/clock", json={"mode": "manual"})
    await advance(client, 86400)
    await ok(client, "POST", "/_emulator/reset")
    clock = await ok(client, "GET", "/_emulator/clock")
    assert (clock["mode"], clock["speed"]) == ("realtime", 20)
    # Realtime: it runs on again from its start time (20 virtual seconds per real one), a day before where
    # it was moved (the margin is generous for a loaded machine).
    assert abs(clock["unix"] - started["unix"]) < 20 * 60


def test_reset_on_up_is_the_start_up_gave(start: Callable[..., Up]) -> None:
    up = start("--port", "0", "--clock", "manual").ready()
    started = up.ok("GET", "/_emulator/clock")
    up.ok("POST", "/_emulator/clock/advance", json={"seconds": 3600})
    up.ok("POST", "/_emulator/clock", json={"mode": "realtime", "speed": 7})
    up.ok("POST", "/_emulator/reset")
    assert up.ok("GET", "/_emulator/clock") == started
    assert up.stop(timeout=TIMEOUT) == 0

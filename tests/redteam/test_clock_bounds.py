"""The clock is bounded: it never passes the end of year 9999 (where timestamps stop being
writable), and whatever would push it there gets a 400 that says so and changes nothing:
repeated advances, snapshots and state files with absurd times, NaN or infinite speeds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.clock import LATEST, MAX_TIME

TEN_YEARS = 10 * 365 * 86400  # the most one advance may ask for


async def ok(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
    r = await client.request(method, path, **kw)
    assert r.status_code == 200, f"{method} {path} -> {r.status_code} {r.text}"
    return r.json()


async def everything_answers(client: httpx.AsyncClient) -> None:
    for path in ("/_emulator/health", "/_emulator/clock", "/v1/calls", "/_emulator/state", "/v1/webhook_deliveries"):
        await ok(client, "GET", path)


async def test_advancing_stops_at_the_bound_with_a_400_and_nothing_breaks(client: httpx.AsyncClient) -> None:
    refused = None
    for _ in range(1000):  # 798 advances used to pass year 9999; after that every answer was a 500
        r = await client.post("/_emulator/clock/advance", json={"seconds": TEN_YEARS})
        if r.status_code != 200:
            refused = r
            break
    assert refused is not None and refused.status_code == 400, refused and refused.text
    error = refused.json()["error"]
    assert error.startswith("seconds: advancing 315360000 s would pass 9999-12-24T23:59:59Z"), error
    before = (await ok(client, "GET", "/_emulator/clock"))["unix"]
    assert LATEST - TEN_YEARS < before <= LATEST
    await everything_answers(client)

    # Up to the bound exactly is fine; a second past it is not; the refusal moved nothing.
    await ok(client, "POST", "/_emulator/clock/advance", json={"seconds": LATEST - before})
    assert (await ok(client, "GET", "/_emulator/clock"))["now"].startswith("9999-12-24T23:59:59")
    r = await client.post("/_emulator/clock/advance", json={"seconds": 1})
    assert r.status_code == 400 and "would pass 9999-12-24T23:59:59Z" in r.json()["error"]
    assert (await ok(client, "GET", "/_emulator/clock"))["unix"] == LATEST
    await everything_answers(client)


async def test_a_call_placed_at_the_bound_runs_to_its_end(client: httpx.AsyncClient, api: Any, emulator: Any) -> None:
    """Everything a call schedules (and a week of webhook retries) still fits before MAX_TIME."""
    agent = await api.agent()
    emulator.clock.restore(LATEST, "manual", 1.0)  # what a long run of advances reaches, without 800 requests
    call = await api.call(agent["id"], to="+15005550006")
    await ok(client, "POST", "/_emulator/clock/run_until_idle", json={"max_seconds": 86400})
    done = await ok(client, "GET", f"/v1/calls/{call['id']}")
    assert done["status"] == "completed" and done["ended_at"].startswith("9999-12-25T00:")
    assert (await ok(client, "GET", "/_emulator/clock"))["unix"] < MAX_TIME
    await everything_answers(client)


@pytest.mark.parametrize(
    "body",
    [
        {"seconds": float("nan")},
        {"seconds": float("inf")},
        {"seconds": -1},
        {"seconds": 1e309},
        {"seconds": TEN_YEARS + 1},
        {"seconds": "5"},
    ],
)
async def test_bad_advances_are_400s(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    before = await ok(client, "GET", "/_emulator/clock")
    r = await client.post(
        "/_emulator/clock/advance",
        content=json.dumps(body),  # NaN/Infinity as Python writes them
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert "seconds" in error or "is not a JSON value" in error, error  # NaN/Infinity: not JSON at all
    assert await ok(client, "GET", "/_emulator/clock") == before


@pytest.mark.parametrize("speed", [float("nan"), float("inf"), 0, -1, 100_001, 1e309])
async def test_bad_speeds_are_400s(client: httpx.AsyncClient, speed: float) -> None:
    before = await ok(client, "GET", "/_emulator/clock")
    r = await client.post(
        "/_emulator/clock",
        content=json.dumps({"mode": "realtime", "speed": speed}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert "speed" in error or "is not a JSON value" in error, error
    assert await ok(client, "GET", "/_emulator/clock") == before


@pytest.mark.parametrize(
    "where, value, needle",
    [
        ("now", 1e300, "clock.now must be between 1970-01-01T00:00:00Z and 9999-12-24T23:59:59Z"),
        ("now", -1e12, "clock.now must be between"),
        ("now", LATEST + 1, "clock.now must be between"),
        ("speed", 1e9, "clock.speed must be a number above 0 and at most 100000"),
    ],
)
async def test_a_snapshot_with_an_absurd_clock_is_refused(
    client: httpx.AsyncClient, where: str, value: float, needle: str
) -> None:
    doc = await ok(client, "GET", "/_emulator/state")
    doc["clock"][where] = value
    r = await client.put("/_emulator/state", json=doc)
    assert r.status_code == 400, r.text
    assert needle in r.json()["error"]
    await everything_answers(client)


async def test_a_snapshot_with_a_job_past_the_bound_is_refused(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    await api.call(agent["id"])
    doc = await ok(client, "GET", "/_emulator/state")
    assert doc["jobs"], "the call's next step is a job"
    doc["jobs"][0]["due"] = 1e300
    r = await client.put("/_emulator/state", json=doc)
    assert r.status_code == 400, r.text
    assert "jobs[0].due: must be a time between unix 0 and 253402300799" in r.json()["error"]
    assert (await ok(client, "GET", "/_emulator/state")) != doc
    await everything_answers(client)


def run_up(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", "up", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env={"PATH": "", **(env or {})},
    )


def test_a_state_file_with_an_absurd_clock_stops_up_untouched(tmp_path: Path) -> None:
    from emulator.runtime import Emulator
    from emulator.snapshot import export

    doc = export(Emulator())
    for now in (1e300, -1e12):
        doc["clock"]["now"] = now
        path = tmp_path / "state.json"
        text = json.dumps(doc)
        path.write_text(text)
        done = run_up("--state-file", str(path))
        assert done.returncode == 2, done
        assert f"state file {path} does not hold a usable snapshot (clock.now must be between" in done.stderr
        assert "Traceback" not in done.stderr and path.read_text() == text


@pytest.mark.parametrize("speed", ["nan", "inf", "1e9"])
def test_up_refuses_a_speed_it_cannot_keep(speed: str) -> None:
    by_flag = run_up("--speed", speed)
    by_env = run_up(env={"CALLINGBOX_EMULATOR_SPEED": speed})
    for done in (by_flag, by_env):
        assert done.returncode == 2, done
        assert "speed must be a number above 0 and at most 100000" in done.stderr and "Traceback" not in done.stderr

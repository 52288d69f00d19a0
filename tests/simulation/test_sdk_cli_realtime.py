"""The official SDK's CLI against a live emulator whose clock runs by itself (realtime x200).

The CLI dispatches a legacy prompt-based call and polls every 2 s of real time
until the call ends, so each run takes a few seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

CLI = str(Path(sys.executable).with_name("callingbox"))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A realtime server with a fresh org that owns one number; the CLI's environment."""
    with ServerThread(Emulator(Config(legacy_calls=True, clock="realtime", speed=200))) as server:
        org = httpx.post(f"{server.base_url}/_emulator/orgs", json={"name": "CLI user"}).json()
        auth = {"Authorization": f"Bearer {org['api_key']}"}
        found = httpx.get(f"{server.base_url}/v1/numbers/available", params={"limit": 1}, headers=auth).json()
        r = httpx.post(
            f"{server.base_url}/v1/numbers/purchase", json={"phone_number": found[0]["phone_number"]}, headers=auth
        )
        assert r.status_code == 201, r.text
        home = tmp_path_factory.mktemp("home")
        yield {
            **os.environ,
            "CALLINGBOX_BASE_URL": server.base_url,
            "CALLINGBOX_API_KEY": org["api_key"],
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "NO_COLOR": "1",
            "COLUMNS": "200",
        }


def call(env: dict[str, str], to: str) -> subprocess.CompletedProcess[str]:
    # --json is an option of the `callingbox` command itself, before the subcommand
    return subprocess.run(
        [
            CLI,
            "--json",
            "call",
            "--to",
            to,
            "--prompt",
            "Confirm the appointment",
            "--returns",
            '{"confirmed": "boolean"}',
            "--timeout",
            "60",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_a_completed_call_prints_its_result(live: dict[str, str]) -> None:
    done = call(live, "+15005550006")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert list(result) == ["confirmed"]
    assert isinstance(result["confirmed"], bool)


def test_a_busy_call_exits_1(live: dict[str, str]) -> None:
    done = call(live, "+15005550001")
    assert done.returncode == 1, (done.stdout, done.stderr)
    printed = json.loads(done.stdout)
    assert (printed["status"], printed["result"], printed["result_status"]) == ("busy", None, "pending")
    assert (printed["reservation_status"], printed["hangup_cause"]) == ("released", "user_busy")
    assert "busy" in done.stderr

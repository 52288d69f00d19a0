"""The README's Quick start, verbatim, at real speed: ``callingbox-emulator up --legacy-calls``
as a subprocess, then the official CLI (SDK 0.1.0) as a user types it.

``callingbox call`` polls every 2 s until a terminal status and then prints the result, so
the call must not read ``completed`` before its result exists. At speed 1 the magic number
+15005550006 takes about 37 s (dial 1, connect 1, ring 3, talk 30, extraction 2).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from up_process import BIN, SCRIPT, Ups, clean_env


@pytest.fixture
def emulator_up(start: Ups, tmp_path: Path) -> dict[str, str]:
    """``callingbox-emulator up --legacy-calls`` on a free port; the CLI's environment as the README exports it."""
    env = clean_env()
    banner = start("--legacy-calls", "--port", "0", env=env, argv0=SCRIPT, stderr_to_stdout=True).read_banner()
    return {
        **env,
        "CALLINGBOX_BASE_URL": banner["base_url"],
        "CALLINGBOX_API_KEY": banner["api_key"],
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "NO_COLOR": "1",
    }


def cli(env: dict[str, str], *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "callingbox"), *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_the_quick_start_call_prints_its_result(emulator_up: dict[str, str]) -> None:
    env = emulator_up
    found = cli(env, "numbers", "search", "--area-code", "415")
    assert found.returncode == 0, found.stderr
    number = json.loads(found.stdout)[0]["phone_number"]
    bought = cli(env, "numbers", "buy", number, "-y")
    assert bought.returncode == 0, bought.stderr

    started = time.monotonic()
    done = cli(
        env,
        "call",
        "--to",
        "+15005550006",
        "--prompt",
        "Confirm tomorrow's appointment",
        "--returns",
        '{"confirmed": "boolean"}',
        timeout=180,
    )
    took = time.monotonic() - started
    assert done.returncode == 0, (done.stdout, done.stderr)
    printed = json.loads(done.stdout)  # stdout is not a terminal: the CLI prints JSON
    assert list(printed) == ["confirmed"] and isinstance(printed["confirmed"], bool), printed
    assert took >= 30, f"the call ran on a realtime x1 clock, yet took only {took:.1f} s"

    auth = {"Authorization": f"Bearer {env['CALLINGBOX_API_KEY']}"}
    calls = httpx.get(env["CALLINGBOX_BASE_URL"] + "/v1/calls", headers=auth, timeout=10).json()["data"]
    assert len(calls) == 1
    call = calls[0]
    assert (call["status"], call["result_status"], call["result"]) == ("completed", "completed", printed)

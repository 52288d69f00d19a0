"""The README's Quick start, verbatim, at real speed: ``callingbox-emulator up --legacy-calls``
as a subprocess, then the official CLI (SDK 0.1.0) as a user types it.

``callingbox call`` polls every 2 s until a terminal status and then prints the result, so
the call must not read ``completed`` before its result exists. At speed 1 the magic number
+15005550006 takes about 37 s (dial 1, connect 1, ring 3, talk 30, extraction 2).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

BIN = Path(sys.executable).parent
BANNER_TIMEOUT = 30.0


@pytest.fixture
def emulator_up(tmp_path: Path) -> Iterator[dict[str, str]]:
    """``callingbox-emulator up --legacy-calls`` on a free port; the CLI's environment as the README exports it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX_")}
    proc = subprocess.Popen([str(BIN / "callingbox-emulator"), "up", "--legacy-calls", "--port", "0"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C to stop"):
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(BANNER_TIMEOUT), f"no banner within {BANNER_TIMEOUT}s: {''.join(lines)}"
        text = "".join(lines)
        url = re.search(r"listening on (http://\S+)", text)
        key = re.search(r"API key:\s+(\S+)", text)
        assert url and key, f"no URL or key in the banner: {text}"
        yield {**env, "CALLINGBOX_BASE_URL": url.group(1), "CALLINGBOX_API_KEY": key.group(1),
               "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / ".config"), "NO_COLOR": "1"}
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


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
    done = cli(env, "call", "--to", "+15005550006", "--prompt", "Confirm tomorrow's appointment",
               "--returns", '{"confirmed": "boolean"}', timeout=180)
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

"""`up --dialect NAME` and CALLINGBOX_EMULATOR_DIALECT: only known dialects start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("how", ["flag", "env"])
def test_an_unknown_dialect_stops_up_with_a_clear_error(how: str) -> None:
    args = [sys.executable, "-m", "emulator", "up", "--port", "0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX_EMULATOR_")}
    if how == "flag":
        args += ["--dialect", "vox"]
    else:
        env["CALLINGBOX_EMULATOR_DIALECT"] = "vox"
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("unknown dialect 'vox'; known: callingbox, voxbridge")
    assert "listening" not in done.stdout


def test_the_help_names_the_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "up", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "--dialect" in done.stdout


def test_up_speaks_the_dialect_named(start) -> None:  # type: ignore[no-untyped-def]
    import httpx

    up = start("--port", "0", "--dialect", "callingbox").ready()
    try:
        listed = httpx.get(up.base_url + "/v1/calls", headers={"Authorization": "Bearer sk_test_emulator"})
        assert listed.status_code == 200 and listed.json() == {"data": [], "has_more": False}
        contract = httpx.get(up.base_url + "/openapi.yaml")
        assert contract.status_code == 200 and b"/v1/calls" in contract.content
    finally:
        assert up.stop(timeout=30) == 0

"""``up``'s realism flags: every org created starts with them (the default org included), a
PATCH overrides one org, and a bad flag stops ``up`` with a message naming it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from up_process import Up, clean_env


def test_flags_apply_to_every_org_and_patch_overrides(start: Callable[..., Up], tmp_path: Path) -> None:
    dnc = tmp_path / "dnc.txt"
    dnc.write_text("# opted out\n+15005550006\n+14155550100  # by phone\n")
    up = start(
        "--port",
        "0",
        "--clock",
        "manual",
        "--rate-limit",
        "50/100",
        "--max-concurrent-calls",
        "3",
        "--calling-hours",
        "08:00-21:00",
        "--do-not-call",
        str(dnc),
    ).ready()
    expected = {
        "rate_limit": {"requests_per_second": 50.0, "burst": 100},
        "max_concurrent_calls": 3,
        "calling_hours": {"start": "08:00", "end": "21:00"},
        "do_not_call": ["+15005550006", "+14155550100"],
    }
    default = up.ok("GET", "/_emulator/orgs")["data"][0]
    assert default["realism"] == expected
    other = up.ok("POST", "/_emulator/orgs", json={"name": "B"})
    assert other["realism"] == expected
    patched = up.ok("PATCH", f"/_emulator/orgs/{other['id']}", json={"do_not_call": None, "rate_limit": None})
    assert patched["realism"] == {**expected, "do_not_call": None, "rate_limit": None}
    assert up.ok("GET", f"/_emulator/orgs/{default['id']}")["realism"] == expected


@pytest.mark.parametrize(
    "flag, value, says",
    [
        ("--rate-limit", "fast", "--rate-limit: expected N or N/BURST"),
        ("--calling-hours", "9am-5pm", "--calling-hours: must be HH:MM"),
        ("--do-not-call", "+1,555", "--do-not-call: item 0"),
        ("--max-concurrent-calls", "-1", "--max-concurrent-calls"),
    ],
)
def test_a_bad_flag_stops_up_with_its_name(start: Callable[..., Up], flag: str, value: str, says: str) -> None:
    up = start("--port", "0", flag, value)
    assert up.proc.wait(30) == 2
    assert says in up.stderr()


def test_the_same_switches_from_environment_variables(start: Callable[..., Up]) -> None:
    env = clean_env(
        CALLINGBOX_EMULATOR_RATE_LIMIT="5",
        CALLINGBOX_EMULATOR_MAX_CONCURRENT_CALLS="2",
        CALLINGBOX_EMULATOR_CALLING_HOURS="21:00-06:00",
        CALLINGBOX_EMULATOR_DO_NOT_CALL="+15005550006,+15005550009",
    )
    up = start("--port", "0", "--clock", "manual", env=env).ready()
    assert up.ok("GET", "/_emulator/orgs")["data"][0]["realism"] == {
        "rate_limit": {"requests_per_second": 5.0, "burst": 5},
        "max_concurrent_calls": 2,
        "calling_hours": {"start": "21:00", "end": "06:00"},
        "do_not_call": ["+15005550006", "+15005550009"],
    }

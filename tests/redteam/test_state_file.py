"""One owner per state file: a second `up` on the same --state-file exits 1 with one line naming
the file and the owner's pid, and the owner's data survives both. The lock goes with its owner,
even one that was killed."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

from control.test_state_file import TIMEOUT as STOP_TIMEOUT
from control.test_state_file import make_data
from up_process import Up

TIMEOUT = 60


def test_a_second_owner_is_refused_and_the_first_keeps_its_data(start: Callable[..., Up], tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    first = start("--port", "0", "--state-file", str(path), "--state-interval", "0").ready()
    made = make_data(first)

    second = start("--port", "0", "--state-file", str(path))
    assert second.proc.wait(TIMEOUT) == 1
    lines = second.stderr().strip().splitlines()
    assert lines == [
        f"callingbox-emulator: state file {path} is in use by another emulator "
        f"(pid {first.proc.pid}); stop that one or choose another --state-file"
    ], lines
    assert not path.exists()  # the second one wrote nothing

    first.ok("POST", "/_emulator/orgs", json={"name": "After the refusal"})
    assert first.stop(timeout=STOP_TIMEOUT) == 0
    saved = json.loads(path.read_text())
    assert made["call"] in {c["id"] for org in saved["orgs"] for c in org["calls"]}
    assert "After the refusal" in {org["name"] for org in saved["orgs"]}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("emulator")) == ["emulator.json"]

    third = start("--port", "0", "--state-file", str(path)).ready()  # the owner is gone: the file is free again
    assert third.ok("GET", f"/v1/calls/{made['call']}")["id"] == made["call"]
    assert third.stop(timeout=STOP_TIMEOUT) == 0


def test_a_killed_owner_leaves_the_file_free(start: Callable[..., Up], tmp_path: Path) -> None:
    path = tmp_path / "emulator.json"
    first = start("--port", "0", "--state-file", str(path), "--state-interval", "0").ready()
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait(TIMEOUT)
    assert Path(f"{path}.lock").exists()  # it had no chance to remove it; the kernel dropped its lock

    second = start("--port", "0", "--state-file", str(path)).ready()
    assert second.ok("GET", "/_emulator/health")["status"] == "ok"
    assert Path(f"{path}.lock").read_text().strip() == str(second.proc.pid)
    assert second.stop(timeout=STOP_TIMEOUT) == 0

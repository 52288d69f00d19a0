"""``callingbox-emulator up --state-file`` as a real process: saved at exit and periodically,
loaded at start, and a file it cannot use stops it with one line and is left untouched."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from up_process import Up, clean_env

TIMEOUT = 30.0  # for an exit, and for a stop (it saves the state file first)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


def make_data(up: Up) -> dict[str, str]:
    available = up.ok("GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1})
    number = up.ok("POST", "/v1/numbers/purchase", json={"phone_number": available[0]["phone_number"]})
    agent = up.ok("POST", "/v1/agents", json={"name": "Kept", "type": "outbound", "number_ids": [number["id"]]})
    call = up.ok("POST", "/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    org = up.ok("POST", "/_emulator/orgs", json={"name": "Second"})
    return {"number": number["id"], "agent": agent["id"], "call": call["id"], "org": org["id"]}


def test_saved_at_exit_and_back_at_the_next_start(start: Callable[..., Up], state_dir: Path) -> None:
    path = state_dir / "emulator.json"
    first = start("--port", "0", "--state-file", str(path), "--state-interval", "0").ready()
    assert not path.exists()  # nothing to load: a fresh start
    made = make_data(first)

    assert first.stop(timeout=TIMEOUT) == 0
    assert "Traceback" not in first.stderr()
    saved = json.loads(path.read_text())
    assert saved["version"] == 1
    assert made["call"] in {c["id"] for org in saved["orgs"] for c in org["calls"]}
    assert sorted(p.name for p in state_dir.iterdir()) == ["emulator.json"]  # no temporary file left

    # Loaded again at start, here named by the environment variable.
    second = start("--port", "0", env=clean_env(CALLINGBOX_EMULATOR_STATE_FILE=str(path))).ready()
    assert second.ok("GET", f"/v1/calls/{made['call']}")["id"] == made["call"]
    assert second.ok("GET", f"/v1/agents/{made['agent']}")["name"] == "Kept"
    assert [n["id"] for n in second.ok("GET", "/v1/numbers")["data"]] == [made["number"]]
    assert second.ok("GET", f"/_emulator/orgs/{made['org']}")["name"] == "Second"
    # ... and its ids go on from where the first run stopped, not from the seed.
    new_org = second.ok("POST", "/_emulator/orgs", json={})["id"]
    assert new_org not in (made["org"], *(o["id"] for o in saved["orgs"]))
    assert second.stop(timeout=TIMEOUT) == 0


def test_saved_every_interval(start: Callable[..., Up], state_dir: Path) -> None:
    path = state_dir / "emulator.json"
    up = start("--port", "0", "--state-file", str(path), "--state-interval", "0.2").ready()
    made = make_data(up)

    # The thing measured is real time: the file appears within a few intervals, before any exit.
    deadline = time.monotonic() + 10
    while not (path.exists() and made["call"] in path.read_text()):
        assert time.monotonic() < deadline, "no periodic save within 10 s"
        time.sleep(0.05)
    assert up.proc.poll() is None
    assert json.loads(path.read_text())["version"] == 1
    # What changed since the last periodic save is in the one made at exit.
    late = up.ok("POST", "/_emulator/orgs", json={"name": "Late"})["id"]
    assert up.stop(timeout=TIMEOUT) == 0
    assert late in {o["id"] for o in json.loads(path.read_text())["orgs"]}
    assert sorted(p.name for p in state_dir.iterdir()) == ["emulator.json"]


@pytest.mark.parametrize(
    "content, says",
    [
        ("truncated", "is unreadable, truncated or corrupt"),
        (
            '{"version": 2, "orgs": []}',
            "does not hold a usable snapshot (version: this emulator reads snapshot version 1",
        ),
        ("", "is unreadable, truncated or corrupt"),
        ("\xff\xfe not utf-8", "is unreadable, truncated or corrupt"),
    ],
)
def test_a_file_it_cannot_use_stops_it_and_is_left_untouched(
    start: Callable[..., Up], state_dir: Path, content: str, says: str
) -> None:
    path = state_dir / "emulator.json"
    if content == "truncated":  # the first half of a real snapshot
        good = start("--port", "0", "--state-file", str(path), "--state-interval", "0").ready()
        make_data(good)
        assert good.stop(timeout=TIMEOUT) == 0
        content = path.read_text()[: len(path.read_text()) // 2]
    path.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode())
    before = (path.read_bytes(), path.stat().st_mtime_ns)

    up = start("--port", "0", "--state-file", str(path))
    code = up.proc.wait(TIMEOUT)

    assert code == 2
    lines = up.stderr().splitlines()
    assert len(lines) == 1, up.stderr()
    assert lines[0].startswith(f"callingbox-emulator: state file {path} ")
    assert says in lines[0] and "left untouched" in lines[0]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in state_dir.iterdir()) == ["emulator.json"]


def test_a_missing_directory_stops_it(start: Callable[..., Up], tmp_path: Path) -> None:
    up = start("--port", "0", "--state-file", str(tmp_path / "nowhere" / "emulator.json"))

    assert up.proc.wait(TIMEOUT) == 2
    (line,) = up.stderr().splitlines()
    assert "does not exist" in line


def test_a_negative_interval_stops_it(start: Callable[..., Up], state_dir: Path) -> None:
    up = start("--port", "0", "--state-file", str(state_dir / "emulator.json"), "--state-interval", "-1")

    assert up.proc.wait(TIMEOUT) == 2
    (line,) = up.stderr().splitlines()
    assert "state interval" in line


def test_banner_shows_the_key_and_secret_of_the_loaded_state(start: Callable[..., Up], state_dir: Path) -> None:
    path = state_dir / "emulator.json"
    first = start(
        "--port", "0", "--state-file", str(path), "--state-interval", "0", "--api-key", "sk_test_saved_key"
    ).ready()
    secret = httpx.get(first.base_url + "/_emulator/orgs").json()["data"][0]["default_signing_secret"]
    assert first.stop(timeout=TIMEOUT) == 0

    # Started without --api-key: the org in the file keeps its own key, and the banner says so.
    second = start("--port", "0", "--state-file", str(path))
    banner = second.read_banner()["text"]
    assert "export CALLINGBOX_API_KEY=sk_test_saved_key" in banner
    assert f"default signing secret: {secret}" in banner
    assert second.stop(timeout=TIMEOUT) == 0

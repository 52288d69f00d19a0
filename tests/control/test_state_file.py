"""``callingbox-emulator up --state-file`` as a real process: saved at exit and periodically,
loaded at start, and a file it cannot use stops it with one line and is left untouched."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

KEY = "sk_test_emulator"
TIMEOUT = 30.0


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX_")}
    env.update(extra)
    return env


class Up:
    """One ``up`` process; stdout read by a thread until the banner's last line."""

    def __init__(self, args: list[str], env: dict[str, str], stderr: Path) -> None:
        self.stderr_path = stderr
        with stderr.open("w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "emulator", "up", "--port", "0", *args],
                                         stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, text=True,
                                         env=env)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._pump, daemon=True)
        self.reader.start()
        self.base_url = ""

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def ready(self) -> "Up":
        deadline = time.monotonic() + TIMEOUT
        while True:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            assert line is not None, f"exited {self.proc.wait()} before serving: {self.stderr()}"
            if "listening on " in line:
                self.base_url = line.split("listening on ")[1].strip()
            if line.startswith("Ctrl-C to stop"):
                return self

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        r = httpx.request(method, self.base_url + path, headers={"Authorization": f"Bearer {KEY}"}, timeout=10,
                          **kwargs)
        assert r.status_code < 300, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(TIMEOUT)

    def stderr(self) -> str:
        return self.stderr_path.read_text()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., Up]]:
    running: list[Up] = []

    def start_(*args: str, env: dict[str, str] | None = None) -> Up:
        up = Up(list(args), clean_env() if env is None else env, tmp_path / f"stderr-{len(running)}.txt")
        running.append(up)
        return up

    yield start_
    for up in running:
        if up.proc.poll() is None:
            up.proc.kill()
        up.proc.wait(TIMEOUT)
        up.reader.join(TIMEOUT)
        assert up.proc.stdout is not None
        up.proc.stdout.close()


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


def make_data(up: Up) -> dict[str, str]:
    available = up.request("GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1})
    number = up.request("POST", "/v1/numbers/purchase", json={"phone_number": available[0]["phone_number"]})
    agent = up.request("POST", "/v1/agents", json={"name": "Kept", "type": "outbound", "number_ids": [number["id"]]})
    call = up.request("POST", "/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    org = up.request("POST", "/_emulator/orgs", json={"name": "Second"})
    return {"number": number["id"], "agent": agent["id"], "call": call["id"], "org": org["id"]}


def test_saved_at_exit_and_back_at_the_next_start(start: Callable[..., Up], state_dir: Path) -> None:
    path = state_dir / "emulator.json"
    first = start("--state-file", str(path), "--state-interval", "0").ready()
    assert not path.exists()  # nothing to load: a fresh start
    made = make_data(first)

    assert first.stop() == 0
    assert "Traceback" not in first.stderr()
    saved = json.loads(path.read_text())
    assert saved["version"] == 1
    assert made["call"] in {c["id"] for org in saved["orgs"] for c in org["calls"]}
    assert sorted(p.name for p in state_dir.iterdir()) == ["emulator.json"]  # no temporary file left

    # Loaded again at start, here named by the environment variable.
    second = start(env=clean_env(CALLINGBOX_EMULATOR_STATE_FILE=str(path))).ready()
    assert second.request("GET", f"/v1/calls/{made['call']}")["id"] == made["call"]
    assert second.request("GET", f"/v1/agents/{made['agent']}")["name"] == "Kept"
    assert [n["id"] for n in second.request("GET", "/v1/numbers")["data"]] == [made["number"]]
    assert second.request("GET", f"/_emulator/orgs/{made['org']}")["name"] == "Second"
    # ... and its ids go on from where the first run stopped, not from the seed.
    new_org = second.request("POST", "/_emulator/orgs", json={})["id"]
    assert new_org not in (made["org"], *(o["id"] for o in saved["orgs"]))
    assert second.stop() == 0


def test_saved_every_interval(start: Callable[..., Up], state_dir: Path) -> None:
    path = state_dir / "emulator.json"
    up = start("--state-file", str(path), "--state-interval", "0.2").ready()
    made = make_data(up)

    # The thing measured is real time: the file appears within a few intervals, before any exit.
    deadline = time.monotonic() + 10
    while not (path.exists() and made["call"] in path.read_text()):
        assert time.monotonic() < deadline, "no periodic save within 10 s"
        time.sleep(0.05)
    assert up.proc.poll() is None
    assert json.loads(path.read_text())["version"] == 1
    # What changed since the last periodic save is in the one made at exit.
    late = up.request("POST", "/_emulator/orgs", json={"name": "Late"})["id"]
    assert up.stop() == 0
    assert late in {o["id"] for o in json.loads(path.read_text())["orgs"]}
    assert sorted(p.name for p in state_dir.iterdir()) == ["emulator.json"]


@pytest.mark.parametrize("content, says", [
    ("truncated", "is unreadable, truncated or corrupt"),
    ('{"version": 2, "orgs": []}', "does not hold a usable snapshot (version: this emulator reads snapshot version 1"),
    ("", "is unreadable, truncated or corrupt"),
    ("\xff\xfe not utf-8", "is unreadable, truncated or corrupt"),
])
def test_a_file_it_cannot_use_stops_it_and_is_left_untouched(start: Callable[..., Up], state_dir: Path,
                                                              content: str, says: str) -> None:
    path = state_dir / "emulator.json"
    if content == "truncated":  # the first half of a real snapshot
        good = start("--state-file", str(path), "--state-interval", "0").ready()
        make_data(good)
        assert good.stop() == 0
        content = path.read_text()[: len(path.read_text()) // 2]
    path.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode())
    before = (path.read_bytes(), path.stat().st_mtime_ns)

    up = start("--state-file", str(path))
    code = up.proc.wait(TIMEOUT)

    assert code == 2
    lines = up.stderr().splitlines()
    assert len(lines) == 1, up.stderr()
    assert lines[0].startswith(f"callingbox-emulator: state file {path} ")
    assert says in lines[0] and "left untouched" in lines[0]
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in state_dir.iterdir()) == ["emulator.json"]


def test_a_missing_directory_stops_it(start: Callable[..., Up], tmp_path: Path) -> None:
    up = start("--state-file", str(tmp_path / "nowhere" / "emulator.json"))

    assert up.proc.wait(TIMEOUT) == 2
    (line,) = up.stderr().splitlines()
    assert "does not exist" in line


def test_a_negative_interval_stops_it(start: Callable[..., Up], state_dir: Path) -> None:
    up = start("--state-file", str(state_dir / "emulator.json"), "--state-interval", "-1")

    assert up.proc.wait(TIMEOUT) == 2
    (line,) = up.stderr().splitlines()
    assert "state interval" in line


def test_banner_shows_the_key_and_secret_of_the_loaded_state(start: Callable[..., Up], state_dir: Path) -> None:
    path = state_dir / "emulator.json"
    first = start("--state-file", str(path), "--state-interval", "0", "--api-key", "sk_test_saved_key").ready()
    secret = httpx.get(first.base_url + "/_emulator/orgs").json()["data"][0]["default_signing_secret"]
    assert first.stop() == 0

    # Started without --api-key: the org in the file keeps its own key, and the banner says so.
    second = start("--state-file", str(path))
    lines: list[str] = []
    deadline = time.monotonic() + TIMEOUT
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = second.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        assert line is not None, second.stderr()
        lines.append(line)
    banner = "".join(lines)
    assert "export CALLINGBOX_API_KEY=sk_test_saved_key" in banner
    assert f"default signing secret: {secret}" in banner
    assert second.stop() == 0

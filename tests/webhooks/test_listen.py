"""``callingbox-emulator listen`` as a real subprocess, against a live realtime emulator."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

from .helpers import API_KEY, COMPLETED, LIFECYCLE, RETURNS, Receiver

DEADLINE = 30.0
FORWARDED = (
    "content-type",
    "callingbox-signature",
    "callingbox-event-id",
    "callingbox-event-type",
    "x-callingbox-event",
    "x-callingbox-call-id",
)


class Listen:
    """One ``listen`` process; stdout is read line by line by a thread."""

    def __init__(self, base_url: str, forward_to: str, stderr_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX_")}
        self.stderr_path = stderr_path
        with stderr_path.open("w") as stderr:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "emulator",
                    "listen",
                    "--base-url",
                    base_url,
                    "--api-key",
                    API_KEY,
                    "--forward-to",
                    forward_to,
                ],
                stdout=subprocess.PIPE,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                text=True,
                env=env,
            )
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._pump, daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, done: Callable[[list[str]], bool], what: str, timeout: float = DEADLINE) -> list[str]:
        """Read stdout until ``done(lines so far)``, or fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done(self.lines):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {what} within {timeout}s; stdout={self.lines} stderr={self.stderr()}")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"listen exited {self.proc.wait()} before {what}; stdout={self.lines} stderr={self.stderr()}"
                )
            self.lines.append(line)
        return self.lines

    def stderr(self) -> str:
        return self.stderr_path.read_text() if self.stderr_path.exists() else ""

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(DEADLINE)
        self._reader.join(DEADLINE)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture
def live() -> Iterator[ServerThread]:
    """A realtime emulator at 100x: a call's lifecycle takes well under a second of wall time."""
    with ServerThread(Emulator(Config(clock="realtime", speed=100))) as server:
        yield server


@pytest.fixture
def listen(tmp_path: Path) -> Iterator[Callable[[str, str], Listen]]:
    started: list[Listen] = []

    def start(base_url: str, forward_to: str) -> Listen:
        started.append(Listen(base_url, forward_to, tmp_path / f"listen-{len(started)}.stderr"))
        return started[-1]

    yield start
    for process in started:
        process.close()


def eventually(check: Callable[[], bool], what: str, timeout: float = DEADLINE) -> None:
    """Poll ``check`` until it holds. Only for what a realtime server does on its own: listen prints
    its line before it answers the emulator, so the emulator records the attempt a moment later."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.02)


def answered(status: int) -> Callable[[list[str]], int]:
    return lambda lines: sum(1 for line in lines if re.search(rf"<-- \[{status}\] POST ", line))


def test_listen_forwards_signed_events_unchanged_and_cleans_up(
    live: ServerThread, receiver: Callable[..., Receiver], listen: Callable[[str, str], Listen]
) -> None:
    app = receiver(script=[200, 500])  # the app fails call.ringing once: the emulator must retry it
    api = httpx.Client(base_url=live.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10)
    try:
        proc = listen(live.base_url, app.url)
        lines = proc.wait_for(lambda ls: any("signing secret is" in line for line in ls), "Ready and secret lines")
        text = "\n".join(lines)
        assert f"Ready! Forwarding webhooks of {live.base_url} to {app.url}" in text
        printed = re.search(r"signing secret is (whsec_\w+) \(endpoint ([0-9a-f-]{36})\)", text)
        assert printed, text
        secret, endpoint_id = printed.groups()
        [registered] = api.get("/v1/webhook_endpoints").json()["data"]
        assert (registered["id"], registered["enabled_events"], registered["status"]) == (endpoint_id, ["*"], "enabled")
        assert registered["url"].startswith("http://127.0.0.1:")

        available = api.get("/v1/numbers/available", params={"limit": 1}).json()
        number = api.post("/v1/numbers/purchase", json={"phone_number": available[0]["phone_number"]}).json()
        agent = api.post(
            "/v1/agents", json={"name": "listen", "type": "outbound", "number_ids": [number["id"]], "returns": RETURNS}
        ).json()
        call = api.post("/v1/calls", json={"agent_id": agent["id"], "to": COMPLETED}).json()

        # Four events, the ringing one answered 500 by the app and retried ~60 virtual seconds later.
        proc.wait_for(lambda ls: answered(200)(ls) == 4 and answered(500)(ls) == 1, "five forwarded attempts")
        eventually(
            lambda: not api.get("/v1/webhook_deliveries", params={"status": "pending"}).json()["data"],
            "every delivery settled",
        )

        assert [h.type for h in app.hits] == [
            "call.queued",
            "call.ringing",
            "call.answered",
            "call.completed",
            "call.ringing",
        ]
        logged = httpx.get(live.base_url + "/_emulator/deliveries", timeout=10).json()["data"]
        sent = {(a["delivery_id"], a["attempt"]): a for a in logged}
        assert len(sent) == len(logged) == 5
        tries: dict[str, int] = {}
        for hit in app.hits:
            assert hit.path == "/hook"
            assert hit.verify(secret).id == hit.event_id
            tries[hit.event_id] = tries.get(hit.event_id, 0) + 1
            original = sent[(hit.event_id, tries[hit.event_id])]
            assert hit.body == original["request_body"].encode()  # forwarded byte for byte
            emulator_headers = {k.lower(): v for k, v in original["request_headers"].items()}
            for name in FORWARDED:
                assert hit.headers[name] == emulator_headers[name], name
            assert hit.headers["x-callingbox-call-id"] == call["id"]
        for kind in LIFECYCLE:
            pattern = rf"--> {kind} \[[0-9a-f-]{{36}}\] call {call['id']}$"
            assert any(re.search(pattern, line) for line in proc.lines), kind

        rows = {
            row["event_type"]: row
            for row in api.get("/v1/webhook_deliveries", params={"endpoint_id": endpoint_id}).json()["data"]
        }
        assert {kind: (row["status"], row["attempt_count"]) for kind, row in rows.items()} == {
            "call.queued": ("delivered", 1),
            "call.ringing": ("delivered", 2),
            "call.answered": ("delivered", 1),
            "call.completed": ("delivered", 1),
        }
        ringing = [a for a in sent.values() if a["delivery_id"] == rows["call.ringing"]["id"]]
        assert sorted((a["attempt"], a["response_status"], a["response_body"]) for a in ringing) == [
            (1, 500, "answer 500"),
            (2, 200, "answer 200"),  # the app's own answers
        ]

        proc.proc.send_signal(signal.SIGINT)
        assert proc.proc.wait(DEADLINE) == 0, proc.stderr()
        assert api.get("/v1/webhook_endpoints").json()["data"] == []
        assert "Traceback" not in proc.stderr()
    finally:
        api.close()


def test_listen_reports_a_forwarding_failure_as_502_and_cleans_up_on_sigterm(
    live: ServerThread, listen: Callable[[str, str], Listen], closed_url: str
) -> None:
    """The app is down: listen says so, and the emulator records a failed attempt to retry."""
    api = httpx.Client(base_url=live.base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10)
    try:
        proc = listen(live.base_url, closed_url)
        proc.wait_for(lambda ls: any("signing secret is" in line for line in ls), "Ready and secret lines")
        available = api.get("/v1/numbers/available", params={"limit": 1}).json()
        number = api.post("/v1/numbers/purchase", json={"phone_number": available[0]["phone_number"]}).json()
        agent = api.post("/v1/agents", json={"name": "listen", "type": "outbound", "number_ids": [number["id"]]}).json()
        api.post("/v1/calls", json={"agent_id": agent["id"], "to": COMPLETED})
        proc.wait_for(lambda ls: any(f"<-- [ERR] POST {closed_url}" in line for line in ls), "a forwarding error")

        def failed_attempts() -> list[dict]:
            logged = httpx.get(live.base_url + "/_emulator/deliveries", timeout=10).json()["data"]
            return [a for a in logged if a["response_status"] == 502]

        eventually(lambda: bool(failed_attempts()), "a 502 attempt in the emulator's log")
        assert failed_attempts()[-1]["error"] == "receiver answered HTTP 502"
        assert "forwarding failed" in failed_attempts()[-1]["response_body"]
        proc.proc.send_signal(signal.SIGTERM)
        assert proc.proc.wait(DEADLINE) == 0, proc.stderr()
        assert api.get("/v1/webhook_endpoints").json()["data"] == []
    finally:
        api.close()

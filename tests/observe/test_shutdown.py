"""`up` stops promptly on SIGINT/SIGTERM while event streams and long-polling waits are open."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.observe.conftest import DEADLINE, Stream


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_up_exits_promptly_with_a_stream_and_a_wait_open(sig: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLINGBOX_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "emulator", "up", "--port", "0", "--clock", "realtime"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        base_url = ""
        deadline = time.monotonic() + 30
        while not base_url and time.monotonic() < deadline:
            found = re.search(r"listening on (http://\S+)", proc.stdout.readline())
            base_url = found.group(1) if found else ""
        assert base_url, "no banner"
        stream = Stream(base_url)
        key = {"Authorization": "Bearer sk_test_emulator"}
        number = httpx.get(f"{base_url}/v1/numbers/available?limit=1", headers=key).json()[0]
        number = httpx.post(
            f"{base_url}/v1/numbers/purchase", json={"phone_number": number["phone_number"]}, headers=key
        ).json()
        agent = httpx.post(
            f"{base_url}/v1/agents", headers=key, json={"name": "a", "type": "outbound", "number_ids": [number["id"]]}
        ).json()
        call = httpx.post(
            f"{base_url}/v1/calls", headers=key, json={"agent_id": agent["id"], "to": "+15005550002"}
        ).json()
        stream.until(lambda m: m.event == "call.queued")
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        waiter = http.client.HTTPConnection(host, int(port), timeout=DEADLINE)
        waiter.request(
            "POST",
            f"/_emulator/calls/{call['id']}/wait",
            body=json.dumps({"status": "no_answer", "timeout": 120}),
            headers={"Content-Type": "application/json"},
        )
        httpx.get(f"{base_url}/_emulator/clock")  # answered after the wait's request was read (one loop, in order)

        started = time.monotonic()
        proc.send_signal(sig)
        assert proc.wait(DEADLINE) == 0, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() - started < 10  # not the wait's 120 s, nor uvicorn's endless graceful wait
        stream.ended.wait(DEADLINE)
        assert stream.ended.is_set()
        answer = waiter.getresponse()
        assert answer.status == 503 and "shutting down" in json.loads(answer.read())["error"]
        waiter.close()
        stream.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(DEADLINE)
        for pipe in (proc.stdout, proc.stderr):
            if pipe:
                pipe.close()

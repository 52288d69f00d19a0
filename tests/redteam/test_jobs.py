"""Scheduled jobs: one that raises is logged, recorded and isolated (the clock goes on, later
jobs run, `/_emulator/health` says degraded); jobs of a replaced state (reset, snapshot import)
die with it, even a webhook attempt that was in flight when the state was replaced.

There is no input that makes a lifecycle step raise, by design; the failing job here is put
on the scheduler directly, as a bug would put it there, and everything else goes through HTTP.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

DEADLINE = 60.0  # generous: the machine is shared


def boom() -> None:
    raise RuntimeError("boom: a broken step")


class Receiver:
    """A webhook receiver on a real socket. With ``hold``, the first request waits until
    ``release`` is set and is answered 500 (so a retry would follow)."""

    def __init__(self, hold: bool = False, until: str | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.arrived, self.release, self.seen = threading.Event(), threading.Event(), threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                first = not outer.bodies
                outer.bodies.append(body)
                outer.arrived.set()
                if until is not None and body.get("type") == until:
                    outer.seen.set()
                status = 200
                if hold and first:
                    outer.release.wait(DEADLINE)
                    status = 500
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(hold=True)
    yield r
    r.close()


async def health(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get("/_emulator/health")
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_failing_job_is_isolated_under_advance(client: httpx.AsyncClient, api: Any, emulator: Emulator) -> None:
    assert (await health(client))["status"] == "ok"
    assert (await health(client))["job_failures"] == {"count": 0, "recent": []}
    agent = await api.agent()
    emulator.scheduler.at(emulator.clock.now() + 1.5, boom)  # between the call's first steps
    call = await api.call(agent["id"])

    r = await client.post("/_emulator/clock/advance", json={"seconds": 600})
    assert r.status_code == 200, r.text
    assert (await api.ok("GET", f"/v1/calls/{call['id']}"))["status"] == "completed"  # later jobs ran
    state = await health(client)
    assert state["status"] == "degraded"
    assert state["job_failures"]["count"] == 1
    (failure,) = state["job_failures"]["recent"]
    assert failure["step"] == "boom" and failure["target"] is None
    assert failure["error"].startswith("RuntimeError: boom: a broken step")
    assert failure["at"].endswith("Z")


async def test_step_isolates_too_and_failures_are_bounded(client: httpx.AsyncClient, emulator: Emulator) -> None:
    now = emulator.clock.now()
    for i in range(30):
        emulator.scheduler.at(now + 10 + i, boom)
    r = await client.post("/_emulator/clock/step")
    assert r.status_code == 200 and r.json()["ran"] is True, r.text
    assert (await health(client))["job_failures"]["count"] == 1
    r = await client.post("/_emulator/clock/run_until_idle", json={"max_seconds": 3600})
    assert r.status_code == 200, r.text
    failures = (await health(client))["job_failures"]
    assert failures["count"] == 30 and len(failures["recent"]) == 20  # the last 20 kept
    assert r.json()["clock"]["unix"] == now + 39

    # A reset is the state `up` started with: no failures, healthy again.
    assert (await client.post("/_emulator/reset")).status_code == 200
    assert (await health(client))["status"] == "ok"


def test_the_realtime_driver_keeps_going_past_a_failing_job() -> None:
    """Over a real socket: the driver meets the failing job first, then must still run the call."""
    hook = Receiver(until="call.completed")
    emulator = Emulator(Config(clock="realtime", speed=20))
    emulator.scheduler.at(emulator.clock.now() + 1, boom)
    try:
        with (
            ServerThread(emulator) as server,
            httpx.Client(
                base_url=server.base_url, headers={"Authorization": "Bearer sk_test_emulator"}, timeout=30
            ) as http,
        ):
            found = http.get("/v1/numbers/available", params={"area_code": "415", "limit": 1}).json()[0]
            number = http.post("/v1/numbers/purchase", json={"phone_number": found["phone_number"]}).json()
            agent = http.post(
                "/v1/agents",
                json={"name": "Driver", "type": "outbound", "number_ids": [number["id"]], "webhook_url": hook.url},
            ).json()
            call = http.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
            assert call.status_code == 201, call.text

            assert hook.seen.wait(DEADLINE), f"the call never completed; webhooks seen: {hook.bodies}"
            assert http.get(f"/v1/calls/{call.json()['id']}").json()["status"] == "completed"
            state = http.get("/_emulator/health").json()
            assert state["status"] == "degraded" and state["job_failures"]["count"] == 1
    finally:
        hook.close()


@pytest.mark.parametrize("replace", ["reset", "import"])
async def test_a_replaced_state_takes_its_in_flight_attempt_with_it(
    client: httpx.AsyncClient, api: Any, emulator: Emulator, receiver: Receiver, replace: str
) -> None:
    start = (await client.get("/_emulator/state")).json()
    agent = await api.agent(webhook_url=receiver.url)
    await api.call(agent["id"])  # its call.queued delivery is due now
    advancing = asyncio.create_task(client.post("/_emulator/clock/advance", json={"seconds": 0}))
    assert await asyncio.to_thread(receiver.arrived.wait, DEADLINE), "the attempt never arrived"
    old = emulator.dispatcher

    if replace == "reset":
        r = await client.post("/_emulator/reset")
    else:
        r = await client.put("/_emulator/state", json=start)
    assert r.status_code == 200, r.text
    receiver.release.set()  # the attempt ends now, with a 500: the old state would retry it
    assert (await advancing).status_code == 200
    await old.finish()  # the replaced state's attempt has ended (and done whatever it would do)
    assert len(receiver.bodies) == 1

    r = await client.get("/_emulator/state")
    assert r.status_code == 200, r.text
    assert r.json()["jobs"] == []
    assert (await client.get("/_emulator/health")).json()["status"] == "ok"
    assert (await client.post("/_emulator/clock/advance", json={"seconds": 3 * 3600})).status_code == 200
    assert len(receiver.bodies) == 1  # no retry was sent for the wiped org
    assert (await client.get("/_emulator/deliveries")).json()["data"] == []
    orgs = (await client.get("/_emulator/orgs")).json()["data"]
    assert [o["id"] for o in orgs] == [o["id"] for o in start["orgs"]]

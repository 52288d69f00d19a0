"""The front serves the hot routes without the middleware stack: every request, hot or not, well
formed or hostile, gets the same answer, journal entry and side effects as down the full stack.

Each test drives two emulators with the same seed through the same requests, one app with the
front and one without (``create_app(front=False)``), and compares everything a client can see.
A counter on the guard shows the front really answered the hot requests itself (the guard is
the stack's outermost layer, so a request it never saw was served by the front)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from emulator.api import guard
from emulator.api.app import create_app
from emulator.clock import Clock
from emulator.config import Config
from emulator.runtime import Emulator

Step = tuple[str, str, dict[str, Any]]
UNKNOWN = "00000000-0000-4000-8000-000000000000"
START = 1_790_000_000.0  # 2026-09-21, on the virtual clock


class Twin:
    """One emulator and a client bound to it, with or without the front."""

    def __init__(self, dialect: str, front: bool, key: str) -> None:
        # One start for both twins (a clock started at wall time would differ across a second).
        self.emulator = Emulator(Config(conformance="off"), clock=Clock(start=START))
        app = create_app(self.emulator, dialect, front=front)
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://emulator.test",
            headers={"Authorization": f"Bearer {key}"},
        )
        self.vars: dict[str, str] = {}

    async def run(self, steps: list[Step]) -> list[tuple[int, list[tuple[str, str]], bytes]]:
        seen = []
        for method, path, kwargs in steps:
            r = await self.client.request(method, path.format_map(self.vars), **kwargs)
            seen.append((r.status_code, sorted(r.headers.items()), r.content))
            if r.status_code == 201 and "id" in r.json():
                self.vars.setdefault("call", r.json()["id"])
        return seen

    async def journal(self) -> list[dict[str, Any]]:
        entries = (await self.client.get("/_emulator/requests", params={"limit": 1000})).json()["data"]
        for entry in entries:
            assert entry["duration_ms"] >= 0
            del entry["duration_ms"]  # real time: the one field that may differ
        return list(entries)

    async def state(self) -> Any:
        return (await self.client.get("/_emulator/state")).json()


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many product (/v1) requests reached the guard, by app (the front answers the rest)."""
    seen = {"count": 0}
    inner = guard.GuardMiddleware.__call__

    async def counting(self: guard.GuardMiddleware, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1"):
            seen["count"] += 1
        await inner(self, scope, receive, send)

    monkeypatch.setattr(guard.GuardMiddleware, "__call__", counting)
    return seen


async def callingbox_setup(twin: Twin) -> None:
    number = (await twin.client.get("/v1/numbers/available", params={"area_code": "415", "limit": 1})).json()[0]
    bought = (await twin.client.post("/v1/numbers/purchase", json={"phone_number": number["phone_number"]})).json()
    agent = await twin.client.post("/v1/agents", json={"name": "A", "type": "outbound", "number_ids": [bought["id"]]})
    twin.vars["agent"] = agent.json()["id"]


HOT_CALLINGBOX: list[Step] = [
    ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "+15005550006"}}),
    ("GET", "/v1/calls/{call}", {}),
    ("GET", "/v1/calls", {}),
    ("GET", "/v1/calls", {"params": {"limit": 1}}),
    ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "+15005550006", "metadata": {"k": "v"}}}),
    ("GET", "/v1/calls", {"params": {"limit": 1, "status": "queued"}}),
]
HOSTILE_CALLINGBOX: list[Step] = [
    ("GET", "/v1/calls/{call}", {"headers": {"Host": "evil.example"}}),
    ("GET", "/v1/calls/{call}", {"headers": {"Authorization": "Bearer sk_test_wrong"}}),
    ("GET", "/v1/calls/{call}", {"headers": {"Authorization": "bearer sk_test_emulator"}}),
    ("GET", "/v1/calls/{call}", {"headers": {"Authorization": "Basic c2s6"}}),
    ("GET", f"/v1/calls/{UNKNOWN}", {}),
    ("GET", "/v1/calls/not-a-uuid", {}),
    ("GET", "/v1/calls/", {}),
    ("HEAD", "/v1/calls/{call}", {}),
    ("PUT", "/v1/calls", {"json": {}}),
    ("DELETE", "/v1/calls/{call}", {}),
    ("GET", "/v1/calls", {"params": {"limit": 0}}),
    ("GET", "/v1/calls", {"params": {"limit": "x"}}),
    ("GET", "/v1/calls", {"params": {"status": "bogus"}}),
    ("GET", "/v1/calls", {"params": {"starting_after": "nope"}}),
    ("POST", "/v1/calls", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/v1/calls", {"content": b'{"agent_id": "x"}', "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/v1/calls", {"content": b""}),
    ("POST", "/v1/calls", {"json": []}),
    ("POST", "/v1/calls", {"json": {"to": "+15005550006", "prompt": "legacy"}}),
    ("POST", "/v1/calls", {"json": {"agent_id": UNKNOWN, "to": "+15005550006"}}),
    ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "not a number"}}),
    ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "+15005550006", "persona": "x"}}),
    ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "+15005550006", "surprise": 1}}),
    ("POST", "/v1/calls", {"content": b"[" * 200 + b"]" * 200, "headers": {"Content-Type": "application/json"}}),
    ("POST", "/v1/calls", {"content": b'{"a": "' + b"x" * (1024 * 1024 + 1) + b'"}'}),
    ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "+15005550006"}, "headers": {"Origin": "http://x"}}),
    ("GET", "/v1/calls/{call}", {}),
]


@pytest.mark.parametrize("steps", [HOT_CALLINGBOX, HOT_CALLINGBOX[:1] + HOSTILE_CALLINGBOX], ids=["hot", "hostile"])
async def test_callingbox_answers_journal_and_state_are_the_same_with_and_without_the_front(
    steps: list[Step], guarded: dict[str, int]
) -> None:
    plain, fronted = Twin("callingbox", False, "sk_test_emulator"), Twin("callingbox", True, "sk_test_emulator")
    for twin in (plain, fronted):
        await callingbox_setup(twin)
    await compare(plain, fronted, steps, guarded, served=len(steps) if steps is HOT_CALLINGBOX else None)


async def compare(
    plain: Twin, fronted: Twin, steps: list[Step], guarded: dict[str, int], served: int | None
) -> list[int]:
    """Run ``steps`` on both twins and compare all a client sees; ``served``: how many of them the
    front answers itself (None: some, not all). The statuses seen."""
    resolved = [(m, p, _fill(kw, plain.vars)) for m, p, kw in steps]
    guarded["count"] = 0
    expected = await plain.run(resolved)
    stack = guarded["count"]
    guarded["count"] = 0
    got = await fronted.run([(m, p, _fill(kw, fronted.vars)) for m, p, kw in steps])
    for i, (want, have) in enumerate(zip(expected, got, strict=True)):
        assert have == want, f"step {i}: {steps[i][0]} {steps[i][1]}"
    assert await fronted.journal() == await plain.journal()
    assert await fronted.state() == await plain.state()  # ids drawn, calls, jobs, deliveries: all alike
    api = sum(1 for _, path, _ in steps if path.startswith("/v1"))
    assert stack == api  # without the front, every request went down the stack
    if served is None:
        assert 0 < guarded["count"] < api
    else:
        assert guarded["count"] == api - served
    for twin in (plain, fronted):
        await twin.client.aclose()
        await twin.emulator.transport.aclose()
    return [status for status, _, _ in expected]


def _fill(kwargs: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """``{agent}``-style placeholders in a step's JSON body, filled from the twin's state."""
    if "json" not in kwargs:
        return kwargs
    text = json.dumps(kwargs["json"])
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return {**kwargs, "json": json.loads(text)}


async def test_an_armed_fault_or_rate_limit_sends_hot_requests_down_the_stack_with_the_same_answers(
    guarded: dict[str, int],
) -> None:
    plain, fronted = Twin("callingbox", False, "sk_test_emulator"), Twin("callingbox", True, "sk_test_emulator")
    for twin in (plain, fronted):
        await callingbox_setup(twin)
        org_id = (await twin.client.get("/_emulator/orgs")).json()["data"][0]["id"]
        twin.vars["org"] = org_id
    steps: list[Step] = [
        ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "+15005550006"}}),
        (
            "POST",
            "/_emulator/faults",
            {"json": {"method": "GET", "path": "/v1/calls/{call_id}", "status": 503, "count": 1}},
        ),
        ("GET", "/v1/calls/{call}", {}),  # the fault answers
        ("GET", "/v1/calls/{call}", {}),  # used up: the handler answers
        ("PATCH", "/_emulator/orgs/{org}", {"json": {"rate_limit": {"requests_per_second": 0.001, "burst": 2}}}),
        ("GET", "/v1/calls/{call}", {}),
        ("GET", "/v1/calls", {}),
        ("GET", "/v1/calls/{call}", {}),  # over the burst: 429 with Retry-After
        ("POST", "/v1/calls", {"json": {"agent_id": "{agent}", "to": "+15005550006"}}),
    ]
    # Served by the front: the first POST, and the read after the fault is used up.
    statuses = await compare(plain, fronted, steps, guarded, served=2)
    assert statuses == [201, 201, 503, 200, 200, 200, 200, 429, 429]


VOX_HOT: list[Step] = [
    ("POST", "/v1/calls/outbound", {"json": {"to": "+15551234567", "context": {"name": "Ada"}}}),
    ("GET", "/v1/calls/{call}", {}),
    ("POST", "/_emulator/clock/advance", {"json": {"seconds": 600}}),  # answered, analysed: a recording link
    ("GET", "/v1/calls/{call}", {}),
    ("POST", "/v1/calls/outbound", {"json": {"to": "+15551234567", "max_attempts": 2}}),
    ("GET", "/v1/calls", {}),
    ("GET", "/v1/calls", {"params": {"limit": 1, "offset": 1}}),
    ("GET", "/v1/calls", {"params": {"status": "completed"}}),
]
VOX_HOSTILE: list[Step] = [
    ("GET", "/v1/calls/not-a-uuid", {}),
    ("GET", f"/v1/calls/{UNKNOWN}", {}),
    ("GET", "/v1/calls/outbound", {}),
    ("GET", "/v1/calls/{call}", {"headers": {"Authorization": "Bearer sk_test_emulator"}}),
    ("GET", "/v1/calls/{call}", {"headers": {"Host": "evil.example"}}),
    ("GET", "/v1/calls", {"params": {"limit": 101}}),
    ("GET", "/v1/calls", {"params": {"offset": -1}}),
    ("GET", "/v1/calls", {"params": {"status": "bogus"}}),
    ("POST", "/v1/calls/outbound", {"json": {}}),
    ("POST", "/v1/calls/outbound", {"json": {"to": 5}}),
    ("POST", "/v1/calls/outbound", {"json": {"to": "+15551234567", "agent_id": UNKNOWN}}),
    ("POST", "/v1/calls/outbound", {"content": b"{oops", "headers": {"Content-Type": "application/json"}}),
    (
        "POST",
        "/v1/calls/outbound",
        {"content": b"to=1", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    ),
    ("POST", "/v1/calls", {"json": {"to": "+15551234567"}}),
    ("HEAD", "/v1/calls/{call}", {}),
    ("GET", "/v1/calls/{call}", {}),
]


@pytest.mark.parametrize("steps", [VOX_HOT, VOX_HOT[:1] + VOX_HOSTILE], ids=["hot", "hostile"])
async def test_voxbridge_answers_journal_and_state_are_the_same_with_and_without_the_front(
    steps: list[Step], guarded: dict[str, int]
) -> None:
    plain, fronted = Twin("voxbridge", False, "sk_live_emulator"), Twin("voxbridge", True, "sk_live_emulator")
    statuses = await compare(plain, fronted, steps, guarded, served=7 if steps is VOX_HOT else None)
    assert all(status < 300 for status in statuses) == (steps is VOX_HOT)

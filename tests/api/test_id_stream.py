"""Same seed, same ids: a refused request never moves the seeded stream.

A suite with negative tests must see the same ids, secrets and generated
results as one without them. Each test runs the same setup and the same good
requests on two fresh emulators with one seed; one of them also receives
every kind of refused request in between.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

from .helpers import DEFAULT_KEY, new_id

SCENARIO = "CallingBox-Emulator-Scenario"
Step = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[httpx.Response]]


def client_of(emulator: Emulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(emulator)),
        base_url="http://emulator.test",
        headers={"Authorization": f"Bearer {DEFAULT_KEY}"},
    )


async def ok(c: httpx.AsyncClient, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    r = await c.request(method, path, **kw)
    assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
    return r.json()


async def setup(c: httpx.AsyncClient) -> dict[str, Any]:
    """An outbound agent with a number, an inbound agent on another, a spare number."""
    found = await ok(c, "GET", "/v1/numbers/available", params={"area_code": "415", "limit": 3})
    n1, n2, n3 = [
        await ok(c, "POST", "/v1/numbers/purchase", 201, json={"phone_number": a["phone_number"]}) for a in found
    ]
    out = await ok(
        c,
        "POST",
        "/v1/agents",
        201,
        json={
            "name": "Out",
            "type": "outbound",
            "number_ids": [n1["id"]],
            "returns": {"confirmed": "boolean", "note": "string"},
        },
    )
    inbound = await ok(c, "POST", "/v1/agents", 201, json={"name": "In", "type": "inbound", "number_ids": [n2["id"]]})
    org = next(o for o in (await ok(c, "GET", "/_emulator/orgs"))["data"] if o["api_key"] == DEFAULT_KEY)
    return {"out": out, "in": inbound, "n1": n1, "n2": n2, "spare": n3, "org": org}


def call(to: str = "+15005550006", headers: dict[str, str] | None = None, **extra: Any) -> Step:
    return lambda c, w: c.post("/v1/calls", json={"agent_id": w["out"]["id"], "to": to, **extra}, headers=headers)


REFUSED: list[tuple[str, int, Step]] = [
    ("unknown scenario header", 400, call(headers={SCENARIO: "no-such-scenario"})),
    ("provider refuses (+15005550008)", 502, call("+15005550008")),
    ("non-US destination", 400, call("+442071234567")),
    (
        "caller id not attached",
        400,
        lambda c, w: c.post(
            "/v1/calls", json={"agent_id": w["out"]["id"], "to": "+15005550006", "from_number": w["n2"]["e164"]}
        ),
    ),
    ("unknown agent", 404, lambda c, w: c.post("/v1/calls", json={"agent_id": new_id(), "to": "+15005550006"})),
    (
        "inbound agent dispatch",
        400,
        lambda c, w: c.post("/v1/calls", json={"agent_id": w["in"]["id"], "to": "+15005550006"}),
    ),
    ("agent-only field on a call", 400, call(voice="verse")),
    (
        "agent on a number another inbound agent has",
        400,
        lambda c, w: c.post(
            "/v1/agents", json={"name": "x", "type": "inbound", "number_ids": [w["spare"]["id"], w["n2"]["id"]]}
        ),
    ),
    (
        "agent with an unknown number",
        404,
        lambda c, w: c.post("/v1/agents", json={"name": "x", "type": "outbound", "number_ids": [new_id()]}),
    ),
    (
        "agent with bad tools",
        400,
        lambda c, w: c.post("/v1/agents", json={"name": "x", "type": "outbound", "tools": [{"type": "mcp"}]}),
    ),
    ("number already owned", 400, lambda c, w: c.post("/v1/numbers/purchase", json={"phone_number": w["n1"]["e164"]})),
    ("endpoint with a bad URL", 400, lambda c, w: c.post("/v1/webhook_endpoints", json={"url": "ftp://x.test"})),
    ("org with a taken key", 400, lambda c, w: c.post("/_emulator/orgs", json={"api_key": DEFAULT_KEY})),
    ("org with a malformed key", 400, lambda c, w: c.post("/_emulator/orgs", json={"api_key": "pk_nope"})),
    (
        "inbound call to a number without an inbound agent",
        400,
        lambda c, w: c.post("/_emulator/inbound_calls", json={"from": "+14155550199", "to": w["spare"]["e164"]}),
    ),
    (
        "inbound call with an unknown scenario",
        400,
        lambda c, w: c.post(
            "/_emulator/inbound_calls",
            json={"from": "+14155550199", "to": w["n2"]["e164"], "scenario": "no-such-scenario"},
        ),
    ),
]


async def good(c: httpx.AsyncClient, w: dict[str, Any]) -> dict[str, Any]:
    """One of each kind of creation, then the calls run to their end."""
    made = {
        "call": await ok(c, "POST", "/v1/calls", 201, json={"agent_id": w["out"]["id"], "to": "+15005550006"}),
        "inbound": await ok(
            c, "POST", "/_emulator/inbound_calls", 201, json={"from": "+14155550199", "to": w["n2"]["e164"]}
        ),
        "agent": await ok(c, "POST", "/v1/agents", 201, json={"name": "Next", "type": "outbound"}),
        "endpoint": await ok(c, "POST", "/v1/webhook_endpoints", 201, json={"url": "https://hooks.example.test/a"}),
        "org": await ok(c, "POST", "/_emulator/orgs", 201, json={}),
    }
    await ok(c, "POST", "/_emulator/clock/advance", json={"seconds": 120})
    for key in ("call", "inbound"):
        made[key] = await ok(c, "GET", f"/v1/calls/{made[key]['id']}")
    made["deliveries"] = [d["id"] for d in (await ok(c, "GET", "/v1/webhook_deliveries"))["data"]]
    return made


async def run(seed: int, refused: list[tuple[str, int, Step]], times: int = 1) -> dict[str, Any]:
    emulator = Emulator(Config(seed=seed))
    async with client_of(emulator) as c:
        w = await setup(c)
        for _ in range(times):
            for name, status, step in refused:
                r = await step(c, w)
                assert r.status_code == status, f"{name}: {r.status_code} {r.text}"
        # A 402 (below the hold) too: the balance goes down, then back.
        balance = w["org"]["balance_milli_cents"]
        await ok(c, "PATCH", f"/_emulator/orgs/{w['org']['id']}", json={"balance_milli_cents": 1000})
        if refused:
            assert (await call()(c, w)).status_code == 402
        await ok(c, "PATCH", f"/_emulator/orgs/{w['org']['id']}", json={"balance_milli_cents": balance})
        return await good(c, w)


def untimed(made: dict[str, Any]) -> dict[str, Any]:
    """Without the ``*_at`` timestamps: each emulator's manual clock starts at its own wall-clock second."""
    return {
        k: {f: v for f, v in row.items() if not f.endswith("_at")} if isinstance(row, dict) else row
        for k, row in made.items()
    }


async def test_refused_requests_of_every_kind_do_not_move_the_id_stream() -> None:
    alone = await run(7, [])
    after_refusals = await run(7, REFUSED, times=3)
    assert untimed(after_refusals) == untimed(alone)
    # The comparison has teeth: another seed gives other ids and values.
    assert (await run(8, []))["call"]["id"] != alone["call"]["id"]
    assert alone["call"]["status"] == "completed" and alone["call"]["result_status"] == "completed"
    assert alone["inbound"]["status"] == "completed"

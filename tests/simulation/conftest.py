"""Fixtures for the call-simulation tests: time travel, call polling, event capture, other orgs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.domain.records import Event
from emulator.runtime import Emulator

DEFAULT_KEY = "sk_test_emulator"
HOLD = 300_000  # $3.00: 60 min x $0.05/min, in milli-cents
LOCAL_NUMBER_COST = 100_000  # $1.00 a month, debited at purchase
CALLER = "+14155550123"  # a caller outside every org, for inbound calls
PLAIN_TO = "+14155550100"  # a destination no shipped scenario matches: the default scenario
YAML = {"Content-Type": "application/yaml"}


def at(stamp: str | None) -> float | None:
    """An API timestamp (RFC 3339, ``Z``) as unix seconds."""
    return None if stamp is None else datetime.fromisoformat(stamp).timestamp()


def rel(call: dict[str, Any], stamp: str | None) -> float | None:
    """Seconds from the call's created_at to ``stamp`` (None for null)."""
    value = at(stamp)
    return None if value is None else round(value - at(call["created_at"]), 3)


def since(call: dict[str, Any], field: str) -> float | None:
    """Seconds from the call's created_at to its ``field``."""
    return rel(call, call[field])


async def advance(client: httpx.AsyncClient, seconds: float) -> dict[str, Any]:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text
    return r.json()


async def get_call(client: httpx.AsyncClient, call_id: str) -> dict[str, Any]:
    r = await client.get(f"/v1/calls/{call_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def segments(client: httpx.AsyncClient, call_id: str) -> list[dict[str, Any]]:
    r = await client.get(f"/v1/calls/{call_id}/transcript")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["call_id"] == call_id
    return body["segments"]


async def trace(client: httpx.AsyncClient, call_id: str, seconds: int) -> list[tuple[int, str, str, str]]:
    """Advance one second at a time and poll; returns the moments something changed as
    ``(second, status, result_status, reservation_status)``, second 0 included."""
    call = await get_call(client, call_id)
    state = (call["status"], call["result_status"], call["reservation_status"])
    changes = [(0, *state)]
    for second in range(1, seconds + 1):
        await advance(client, 1)
        call = await get_call(client, call_id)
        now = (call["status"], call["result_status"], call["reservation_status"])
        if now != state:
            changes.append((second, *now))
            state = now
    return changes


async def inbound_line(api: Any, name: str = "Front desk", **fields: Any) -> tuple[dict[str, Any], str]:
    """A new number with a new inbound agent on it: (agent, the number's E.164)."""
    number = await api.buy_number()
    agent = await api.ok(
        "POST",
        "/v1/agents",
        201,
        json={
            "name": name,
            "type": "inbound",
            "number_ids": [number["id"]],
            **fields,
        },
    )
    return agent, number["e164"]


async def org_state(client: httpx.AsyncClient, org_id: str) -> dict[str, Any]:
    r = await client.get(f"/_emulator/orgs/{org_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def load_scenarios(client: httpx.AsyncClient, text: str) -> dict[str, Any]:
    r = await client.post("/_emulator/scenarios", content=text.encode(), headers=YAML)
    assert r.status_code == 201, r.text
    return r.json()


def error_of(response: httpx.Response, status: int, *needles: str) -> str:
    """Assert an error answer ``{"error": str}`` with ``status`` mentioning every needle."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    for needle in needles:
        assert needle in body["error"], f"{needle!r} not in {body['error']!r}"
    return body["error"]


class Events:
    """Every event the emulator publishes, in order (the webhook dispatcher hears the same)."""

    def __init__(self) -> None:
        self.all: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.all.append(event)

    def of(self, call_id: str) -> list[Event]:
        return [e for e in self.all if e.call.id == call_id]

    def types(self, call_id: str) -> list[str]:
        return [e.type for e in self.of(call_id)]

    def offsets(self, call_id: str) -> list[tuple[str, float]]:
        """(type, seconds after the call was created) for each event of the call."""
        return [(e.type, round(e.created - e.call.created_at, 3)) for e in self.of(call_id)]


@pytest.fixture
def events(emulator: Emulator) -> Events:
    collected = Events()
    emulator.bus.subscribe(collected)
    return collected


@pytest.fixture
async def connect(emulator: Emulator) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """``connect(key, target=None)``: an in-process client with that key; closed at teardown."""
    opened: list[httpx.AsyncClient] = []

    def make(key: str = DEFAULT_KEY, target: Emulator | None = None) -> httpx.AsyncClient:
        c = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(target or emulator)),
            base_url="http://emulator.test",
            headers={"Authorization": f"Bearer {key}"},
        )
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()

"""Webhook chaos tests: an emulator on a manual clock, real receivers on loopback ports
(tests/webhooks/helpers.py), and two webhook handlers to judge: a naive one and a correct one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from callingbox.resources.webhooks import Webhooks

from emulator.config import Config
from emulator.runtime import Emulator
from tests.webhooks.helpers import Hit, Receiver

RANK = {"call.queued": 0, "call.ringing": 1, "call.answered": 2, "call.completed": 3}


@pytest.fixture
def config() -> Config:
    return Config(conformance="strict", seed=7)


@pytest.fixture
async def emulator(config: Config) -> AsyncIterator[Emulator]:
    emulator = Emulator(config)
    yield emulator
    await emulator.transport.aclose()


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def make(**settings: Any) -> Receiver:
        r = Receiver(**settings).start()
        started.append(r)
        return r

    yield make
    for r in started:
        r.stop()


def naive_handler(hits: list[Hit]) -> list[str]:
    """Written the naive way: no signature check, no dedupe, the last event wins. Returns the
    call status it shows after each request (one per event it acted on)."""
    return [hit.json["type"] for hit in hits]


def correct_handler(hits: list[Hit], secret: str) -> tuple[list[str], int]:
    """Verifies the signature with the SDK (any v1=, 5-minute tolerance), skips event ids it has
    seen, never moves a call back in its lifecycle. Returns (statuses shown, requests refused)."""
    seen: set[str] = set()
    shown: list[str] = []
    refused = 0
    for hit in hits:
        try:
            event = Webhooks.construct_event(hit.body, hit.signature, secret)
        except Exception:
            refused += 1
            continue
        if hit.event_id in seen:
            continue
        seen.add(hit.event_id)
        if not shown or RANK[event.type] > RANK[shown[-1]]:
            shown.append(event.type)
    return shown, refused


async def arm(client: httpx.AsyncClient, status: int = 201, **rule: Any) -> dict[str, Any]:
    r = await client.post("/_emulator/webhook_chaos", json=rule)
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


async def one_call(client: httpx.AsyncClient, url: str, seconds: float = 120) -> tuple[str, str]:
    """An endpoint at ``url``, one completed call, ``seconds`` of virtual time: (call id, secret)."""
    ep = await client.post("/v1/webhook_endpoints", json={"url": url})
    assert ep.status_code == 201, ep.text
    number = (await client.get("/v1/numbers/available", params={"limit": 1})).json()[0]["phone_number"]
    bought = (await client.post("/v1/numbers/purchase", json={"phone_number": number})).json()
    agent = (
        await client.post("/v1/agents", json={"name": "A", "type": "outbound", "number_ids": [bought["id"]]})
    ).json()
    call = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006"})
    assert call.status_code == 201, call.text
    if seconds:
        r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
        assert r.status_code == 200, r.text
    return call.json()["id"], ep.json()["signing_secret"]


async def attempts(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    r = await client.get("/_emulator/deliveries", params={"limit": 10_000, **params})
    assert r.status_code == 200, r.text
    return list(reversed(r.json()["data"]))

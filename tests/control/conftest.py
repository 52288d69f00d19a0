"""Fixtures for the control-plane tests: the journal, faults and state snapshots.

The emulator's webhook transport serves ``http://emulator.test`` (the test
client's base URL) in-process, so a webhook_url on a built-in sink is delivered
without a socket; ``closed_url`` is a loopback port nobody listens on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

BASE_URL = "http://emulator.test"
SINK = f"{BASE_URL}/_emulator/sinks/control"


@pytest.fixture
async def emulator(config: Config) -> AsyncIterator[Emulator]:
    """The shared fixture's Emulator, delivering to its own sinks in-process,
    with its webhook HTTP clients closed at teardown."""
    emulator = Emulator(config)
    emulator.transport.mount(BASE_URL, create_app(emulator))
    yield emulator
    await emulator.transport.aclose()


async def ok(client: httpx.AsyncClient, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    r = await client.request(method, path, **kwargs)
    assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
    return r.json()


async def journal(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    return (await ok(client, "GET", "/_emulator/requests", params=params))["data"]


async def export(client: httpx.AsyncClient) -> dict[str, Any]:
    return await ok(client, "GET", "/_emulator/state")


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    await ok(client, "POST", "/_emulator/clock/advance", json={"seconds": seconds})

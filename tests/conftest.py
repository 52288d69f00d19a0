"""Shared fixtures: a fresh Emulator (manual clock) and an httpx client bound to it in-process;
``start`` for ``callingbox-emulator up`` as a real subprocess (tests/up_process.py)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

# httpx imports httpcore lazily, on its first real request, and keeps httpcore's exception classes
# in a table from then on. An in-process pytester session drops every module it imported when it
# ends, so a first import inside one (a live=True test) would leave httpx mapping the classes of
# a dropped httpcore: a later ConnectError anywhere in the run would escape as httpcore's own.
# Imported here, before any inner session, httpcore outlives them all.
import httpcore  # noqa: F401
import httpx
import pytest
from up_process import Ups

from emulator.api import rendered
from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

API_KEY = "sk_test_emulator"
# Every kept call body is checked against a fresh render on each read: a write to a call that
# did not touch it (records.touch) fails whichever test reads the call next (emulator/api/rendered.py).
rendered.VERIFY = True


@pytest.fixture
def config() -> Config:
    return Config(conformance="strict")  # every answer and webhook body checked against the contracts


@pytest.fixture
def emulator(config: Config) -> Emulator:
    return Emulator(config)


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://emulator.test", headers={"Authorization": f"Bearer {API_KEY}"}
    ) as c:
        yield c
    # The webhook pool's keep-alive sockets belong to this test's event loop: closed here, not
    # found by the garbage collector in a later test after the loop has gone.
    await emulator.transport.aclose()


class Api:
    """Short helpers for building state through the public HTTP surface."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        r = await self.client.request(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    async def buy_number(self, area_code: str = "415") -> dict[str, Any]:
        available = await self.ok("GET", "/v1/numbers/available", params={"area_code": area_code, "limit": 1})
        return await self.ok("POST", "/v1/numbers/purchase", 201, json={"phone_number": available[0]["phone_number"]})

    async def agent(self, type: str = "outbound", numbers: int = 1, **fields: Any) -> dict[str, Any]:
        number_ids = [(await self.buy_number())["id"] for _ in range(numbers)]
        body = {"name": "Reminders", "type": type, "number_ids": number_ids, **fields}
        return await self.ok("POST", "/v1/agents", 201, json=body)

    async def call(self, agent_id: str, to: str = "+15005550006", **fields: Any) -> dict[str, Any]:
        return await self.ok("POST", "/v1/calls", 201, json={"agent_id": agent_id, "to": to, **fields})


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def org_id(client: httpx.AsyncClient) -> str:
    """The id of the default org (the one ``client`` authenticates as)."""
    r = await client.get("/_emulator/orgs")
    assert r.status_code == 200, r.text
    return next(o["id"] for o in r.json()["data"] if o["api_key"] == API_KEY)


@pytest.fixture
def closed_url() -> str:
    """A loopback URL whose port has no listener (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Ups]:
    """Start ``up`` processes (``start(*args, env=..., argv0=..., ...)``); every one is stopped
    (killed if need be) when the test ends."""
    with Ups(tmp_path) as start_:
        yield start_

"""Fixtures for the /v1 HTTP tests: more clients over the same emulator, a second org."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.runtime import Emulator

from .helpers import DEFAULT_KEY

Connect = Callable[..., httpx.AsyncClient]


@dataclass
class OrgClient:
    """Another org of the same emulator, with its own key, client and helpers."""

    id: str
    api_key: str
    client: httpx.AsyncClient
    api: Any  # the Api helper of tests/conftest.py, bound to ``client``


@pytest.fixture
async def connect(emulator: Emulator) -> AsyncIterator[Connect]:
    """``connect(key, target=None)``: a client with that Bearer key (None: no header),
    over ``target`` or the test's emulator. Closed at teardown."""
    opened: list[httpx.AsyncClient] = []

    def make(key: str | None = DEFAULT_KEY, target: Emulator | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        c = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(target or emulator)),
            base_url="http://emulator.test",
            headers=headers,
        )
        opened.append(c)
        return c

    yield make
    for c in opened:
        await c.aclose()


@pytest.fixture
def anon(connect: Connect) -> httpx.AsyncClient:
    """A client that sends no Authorization header."""
    return connect(None)


@pytest.fixture
async def org_b(client: httpx.AsyncClient, connect: Connect, api: Any) -> OrgClient:
    r = await client.post("/_emulator/orgs", json={"name": "Org B"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["api_key"] != DEFAULT_KEY
    c = connect(body["api_key"])
    return OrgClient(body["id"], body["api_key"], c, type(api)(c))

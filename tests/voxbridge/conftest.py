"""HTTP fixtures for the VoxBridge dialect: an emulator speaking it (manual clock, strict
conformance: every answer and webhook body is checked against its contracts), a client with
the default org's key, and short helpers that go through the public routes only."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

BASE = "http://emulator.test"
KEY = "sk_live_emulator"
# docs/voxbridge.md's example request (the seed's), verbatim but for a local webhook URL.
SEED_REQUEST = {
    "to": "+15551234567",
    "from": "+15559876543",
    "agent_id": None,
    "client_name": "Jane Doe",
    "context": {"reference_number": "398690", "product": "personal_loan"},
    "metadata": {"crm_id": "lead_8821"},
    "schedule_at": None,
    "webhook_url": BASE + "/_emulator/sinks/seed",
    "max_attempts": 3,
}


@pytest.fixture
def vox_emulator() -> Emulator:
    return Emulator(Config(conformance="strict"))


@pytest.fixture
async def vox(vox_emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(vox_emulator, "voxbridge")
    vox_emulator.base_url = BASE
    vox_emulator.transport.mount(BASE, app)  # webhooks to the emulator's own sinks, in-process
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE, headers={"Authorization": f"Bearer {KEY}"}
    ) as client:
        yield client
    await vox_emulator.transport.aclose()


class Vox:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        r = await self.client.request(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    async def org(self) -> dict[str, Any]:
        orgs = await self.ok("GET", "/_emulator/orgs")
        return await self.ok("GET", f"/_emulator/orgs/{orgs['data'][0]['id']}")

    async def call(self, **body: Any) -> dict[str, Any]:
        return await self.ok("POST", "/v1/calls/outbound", 201, json={"to": "+15551234567", **body})

    async def get(self, call_id: str) -> dict[str, Any]:
        return await self.ok("GET", f"/v1/calls/{call_id}")

    async def advance(self, seconds: float) -> None:
        await self.ok("POST", "/_emulator/clock/advance", json={"seconds": seconds})

    async def sink(self, name: str) -> list[dict[str, Any]]:
        return (await self.ok("GET", f"/_emulator/sinks/{name}"))["data"]

    async def conformance(self) -> dict[str, Any]:
        return await self.ok("GET", "/_emulator/conformance")


@pytest.fixture
def api(vox: httpx.AsyncClient) -> Vox:
    return Vox(vox)


def signed(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def pytest_configure(config: pytest.Config) -> None:
    # pytester for the plugin test (registered by hand: this conftest is not the rootdir's).
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")

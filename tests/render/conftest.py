"""Fixtures for the kept-bytes tests: an app of each dialect over its own emulator (manual clock,
strict conformance), webhooks to the emulator's own sinks in-process, and the oracles: what the
handlers wrote before bodies were kept (the wire model from the record, then to_json)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from emulator.api import rendered
from emulator.api.app import create_app
from emulator.api.callingbox import calls as cb_calls
from emulator.api.voxbridge import routes as vox_routes
from emulator.api.voxbridge.wire import CallList
from emulator.config import Config
from emulator.domain.records import Call
from emulator.domain.store import Org
from emulator.runtime import Emulator

BASE = "http://emulator.test"
KEYS = {"callingbox": "sk_test_emulator", "voxbridge": "sk_live_emulator"}


@dataclass
class Served:
    emulator: Emulator
    app: Starlette
    client: httpx.AsyncClient

    @property
    def org(self) -> Org:
        return self.emulator.default_org

    @property
    def kept(self) -> rendered.Rendered:
        found: rendered.Rendered = self.app.state.rendered_calls
        return found

    def record(self, call_id: str) -> Call:
        call = self.org.calls.get(call_id)
        assert call is not None, call_id
        return call

    async def ok(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        r = await self.client.request(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    async def advance(self, seconds: float) -> None:
        await self.ok("POST", "/_emulator/clock/advance", json={"seconds": seconds})


async def serve(dialect: str, **config: Any) -> AsyncIterator[Served]:
    emulator = Emulator(Config(conformance="strict", **config))
    app = create_app(emulator, dialect)
    emulator.base_url = BASE
    emulator.transport.mount(BASE, app)  # webhooks to the emulator's own sinks, in-process
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE, headers={"Authorization": f"Bearer {KEYS[dialect]}"}
    ) as client:
        yield Served(emulator, app, client)
    await emulator.transport.aclose()


@pytest.fixture
async def cb() -> AsyncIterator[Served]:
    async for served in serve("callingbox", legacy_calls=True):
        yield served


@pytest.fixture
async def vox() -> AsyncIterator[Served]:
    async for served in serve("voxbridge"):
        yield served


# The oracles: exactly what the handlers answered before bodies were kept.
def cb_call(call: Call) -> bytes:
    out = cb_calls.call_out(call)
    return out.__pydantic_serializer__.to_json(out)


def cb_page(rows: list[Call], more: bool) -> bytes:
    page = cb_calls.CallPage(data=[cb_calls.call_out(c) for c in rows], has_more=more)
    return page.__pydantic_serializer__.to_json(page)


def vox_call(emulator: Emulator, call: Call) -> bytes:
    out = vox_routes.call_out(emulator, call)
    return bytes(out.__pydantic_serializer__.to_json(out))


def vox_list(emulator: Emulator, rows: list[Call], total: int, limit: int, offset: int) -> bytes:
    page = CallList(items=[vox_routes.call_out(emulator, c) for c in rows], total=total, limit=limit, offset=offset)
    return page.__pydantic_serializer__.to_json(page)

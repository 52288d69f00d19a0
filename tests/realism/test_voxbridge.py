"""The realism switches in the VoxBridge dialect: set through its own PATCH /_emulator/orgs/{id},
refusals in its {detail} shape, the same checks as the core applies to every dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

TO = "+15551234567"


@pytest.fixture
async def vox() -> AsyncIterator[httpx.AsyncClient]:
    emulator = Emulator(Config(conformance="strict"))
    app = create_app(emulator, "voxbridge")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://vox.test",
        headers={"Authorization": "Bearer sk_live_emulator"},
    ) as client:
        yield client
    await emulator.transport.aclose()


async def patch(vox: httpx.AsyncClient, status: int = 200, **body: Any) -> dict[str, Any]:
    org_id = (await vox.get("/_emulator/orgs")).json()["data"][0]["id"]
    r = await vox.patch(f"/_emulator/orgs/{org_id}", json=body)
    assert r.status_code == status, r.text
    return r.json()  # type: ignore[no-any-return]


async def test_switches_through_the_dialects_own_org_settings(vox) -> None:
    org = await patch(vox, do_not_call=[TO], max_concurrent_calls=1, monthly_minutes=100)
    assert org["realism"]["do_not_call"] == [TO] and org["monthly_minutes"] == 100
    refused = await vox.post("/v1/calls/outbound", json={"to": TO})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "to"]
    assert (await vox.post("/v1/calls/outbound", json={"to": "+15551230000"})).status_code == 201
    busy = await vox.post("/v1/calls/outbound", json={"to": "+15551230001"})
    assert busy.status_code == 429 and "max_concurrent_calls" in busy.json()["detail"]
    assert (await vox.get("/v1/calls")).json()["total"] == 1
    org = await patch(vox, do_not_call=None, max_concurrent_calls=None)
    assert org["realism"] == {
        "rate_limit": None,
        "max_concurrent_calls": None,
        "calling_hours": None,
        "do_not_call": None,
    }
    assert (await vox.post("/v1/calls/outbound", json={"to": TO})).status_code == 201


async def test_bad_switches_are_refused_and_change_nothing(vox) -> None:
    """The control plane answers in the emulator's own {"error": ...} shape, whatever the dialect."""
    r = await patch(vox, 400, calling_hours={"start": "7", "end": "21:00"}, max_concurrent_calls=2)
    assert "calling_hours.start" in r["error"] and "HH:MM" in r["error"]
    r = await patch(vox, 400, rate_limit=None, surprise=1)
    assert "surprise" in r["error"]
    org_id = (await vox.get("/_emulator/orgs")).json()["data"][0]["id"]
    assert (await vox.get(f"/_emulator/orgs/{org_id}")).json()["realism"]["max_concurrent_calls"] is None

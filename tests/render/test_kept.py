"""What keeps the kept bodies honest: identity across a reset, the byte budget, and VERIFY."""

from __future__ import annotations

import json
from typing import Any

import pytest

from emulator.api import rendered
from emulator.domain.records import touch

from .conftest import Served, cb_call, vox_call


async def cb_place(cb: Served, **fields: Any) -> dict[str, Any]:
    """A number, an agent and a call: the same seeded ids after every reset."""
    available = await cb.ok("GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1})
    number = await cb.ok("POST", "/v1/numbers/purchase", 201, json={"phone_number": available[0]["phone_number"]})
    agent = await cb.ok("POST", "/v1/agents", 201, json={"name": "A", "type": "outbound", "number_ids": [number["id"]]})
    body = {"agent_id": agent["id"], "to": "+15005550006", **fields}
    return dict(await cb.ok("POST", "/v1/calls", 201, json=body))


async def test_after_a_reset_a_call_with_the_same_id_and_rev_is_not_served_the_old_bytes(cb: Served) -> None:
    old = await cb_place(cb, metadata={"run": "first"})
    first = (await cb.client.get(f"/v1/calls/{old['id']}")).content
    assert json.loads(first)["metadata"] == {"run": "first"}
    old_rev = cb.record(old["id"]).rev

    await cb.ok("POST", "/_emulator/reset")
    new = await cb_place(cb, metadata={"run": "second"})
    assert new["id"] == old["id"]  # same seeded id
    cb.record(new["id"]).rev = old_rev  # and, were revisions not process-wide, the same revision
    for _ in range(2):
        r = await cb.client.get(f"/v1/calls/{new['id']}")
        assert json.loads(r.content)["metadata"] == {"run": "second"}
        assert r.content == cb_call(cb.record(new["id"]))
    listed = await cb.ok("GET", "/v1/calls")
    assert [c["metadata"] for c in listed["data"]] == [{"run": "second"}]


async def test_voxbridge_after_a_reset_serves_the_new_call(vox: Served) -> None:
    async def place(name: str) -> str:
        made = await vox.ok("POST", "/v1/calls/outbound", 201, json={"to": "+15551234567", "client_name": name})
        return str(made["id"])

    old = await place("Before")
    assert (await vox.ok("GET", f"/v1/calls/{old}"))["client_name"] == "Before"
    await vox.ok("POST", "/_emulator/reset")
    new = await place("After")
    assert new == old
    for _ in range(2):
        r = await vox.client.get(f"/v1/calls/{new}")
        assert r.json()["client_name"] == "After" and r.content == vox_call(vox.emulator, vox.record(new))
    assert [c["client_name"] for c in (await vox.ok("GET", "/v1/calls"))["items"]] == ["After"]


async def test_the_kept_bytes_stay_within_the_budget_and_the_oldest_go_first(cb: Served) -> None:
    first = await cb_place(cb)
    body = (await cb.client.get(f"/v1/calls/{first['id']}")).content
    budget = 8 * (len(body) + rendered.ENTRY_OVERHEAD)  # room for eight calls
    cb.kept.bodies.budget = budget
    agent_id = first["agent_id"]
    ids = [first["id"]] + [
        (await cb.ok("POST", "/v1/calls", 201, json={"agent_id": agent_id, "to": "+15005550006"}))["id"]
        for _ in range(29)
    ]
    for call_id in ids:
        r = await cb.client.get(f"/v1/calls/{call_id}")
        assert r.content == cb_call(cb.record(call_id))
        assert cb.kept.bodies.size <= budget
    assert 6 <= len(cb.kept) <= 8  # bodies differ by a few bytes: about eight fit, never more
    page = await cb.client.get("/v1/calls", params={"limit": 25})  # a page bigger than the budget still answers
    assert page.status_code == 200 and len(page.json()["data"]) == 25 and cb.kept.bodies.size <= budget

    renders = cb.kept.renders
    await cb.client.get(f"/v1/calls/{ids[0]}")  # long gone: rendered again
    assert cb.kept.renders == renders + 1
    await cb.client.get(f"/v1/calls/{ids[0]}")  # and now kept
    assert cb.kept.renders == renders + 1


async def test_a_body_bigger_than_the_whole_budget_is_served_and_not_kept(cb: Served) -> None:
    call = await cb_place(cb)
    await cb.client.get(f"/v1/calls/{call['id']}")
    cb.kept.bodies.budget = 100
    cb.kept.clear()
    for _ in range(2):
        r = await cb.client.get(f"/v1/calls/{call['id']}")
        assert r.content == cb_call(cb.record(call["id"]))
    assert len(cb.kept) == 0 and cb.kept.bodies.size == 0


async def test_verify_names_the_call_and_field_a_write_changed_without_a_bump(cb: Served) -> None:
    call = await cb_place(cb)
    await cb.client.get(f"/v1/calls/{call['id']}")
    record = cb.record(call["id"])
    record.hangup_cause = "written_without_a_bump"  # what a write site that forgot `rev += 1` does
    with pytest.raises(rendered.StaleRendering, match=f"call {call['id']}: .*hangup_cause"):
        await cb.client.get(f"/v1/calls/{call['id']}")


async def test_without_verify_a_missed_bump_serves_stale_bytes_and_the_bump_is_what_refreshes(
    cb: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rendered, "VERIFY", False)
    call = await cb_place(cb)
    await cb.client.get(f"/v1/calls/{call['id']}")
    record = cb.record(call["id"])
    record.hangup_cause = "written_without_a_bump"
    assert (await cb.ok("GET", f"/v1/calls/{call['id']}"))["hangup_cause"] is None  # kept, so stale
    touch(record)
    assert (await cb.ok("GET", f"/v1/calls/{call['id']}"))["hangup_cause"] == "written_without_a_bump"

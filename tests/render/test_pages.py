"""Kept list pages: a poll of an unchanged list builds nothing; any write to a call, a call added,
another query, a reset or a moved link builds a fresh page, byte for byte what the handler wrote
before pages were kept."""

from __future__ import annotations

import pytest

from emulator.api import rendered
from emulator.domain.records import touch

from .conftest import Served, cb_page, vox_list


async def place(cb: Served, n: int = 1) -> list[str]:
    number = (await cb.ok("GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1}))[0]
    bought = await cb.ok("POST", "/v1/numbers/purchase", 201, json={"phone_number": number["phone_number"]})
    agent = await cb.ok("POST", "/v1/agents", 201, json={"name": "A", "type": "outbound", "number_ids": [bought["id"]]})
    body = {"agent_id": agent["id"], "to": "+15005550006"}
    return [(await cb.ok("POST", "/v1/calls", 201, json=body))["id"] for _ in range(n)]


def expected(cb: Served, limit: int = 25) -> bytes:
    rows, more = cb.org.calls.page(limit=limit)
    return cb_page(rows, more)


async def test_an_unchanged_list_is_built_once_and_each_change_builds_it_anew(cb: Served) -> None:
    await place(cb, 3)
    first = await cb.client.get("/v1/calls")
    built = cb.kept.pages_built
    for _ in range(3):
        again = await cb.client.get("/v1/calls")
        assert again.content == first.content == expected(cb)
    assert cb.kept.pages_built == built  # served as kept

    await cb.advance(5)  # the calls move on: every status on the page changes
    moved = await cb.client.get("/v1/calls")
    assert moved.content != first.content and moved.content == expected(cb) and cb.kept.pages_built == built + 1

    await place(cb)  # a new call (and a new agent and number, which are not on the page)
    grown = await cb.client.get("/v1/calls")
    assert len(grown.json()["data"]) == 4 and grown.content == expected(cb) and cb.kept.pages_built == built + 2

    other = await cb.client.get("/v1/calls", params={"limit": 2})  # another query: its own page
    assert other.content == expected(cb, 2) and cb.kept.pages_built == built + 3
    assert (await cb.client.get("/v1/calls")).content == grown.content and cb.kept.pages_built == built + 3


async def test_a_bad_query_is_refused_each_time_and_nothing_is_kept(cb: Served) -> None:
    await place(cb)
    for _ in range(2):
        r = await cb.client.get("/v1/calls", params={"limit": 0})
        assert r.status_code == 400 and "limit" in r.json()["error"]
    assert all(query != b"limit=0" for _, query, _ in cb.kept.pages.entries)


async def test_after_a_reset_the_same_query_gets_the_new_state(cb: Served) -> None:
    await place(cb, 2)
    before = (await cb.client.get("/v1/calls")).json()["data"]
    await cb.ok("POST", "/_emulator/reset")
    assert (await cb.client.get("/v1/calls")).json()["data"] == [] and len(before) == 2


async def test_verify_catches_a_page_kept_across_a_write_that_did_not_touch_the_call(
    cb: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    (call_id,) = await place(cb)
    await cb.client.get("/v1/calls")
    cb.record(call_id).hangup_cause = "written_without_touch"
    with pytest.raises(rendered.StaleRendering, match="stale"):
        await cb.client.get("/v1/calls")
    monkeypatch.setattr(rendered, "VERIFY", False)  # unverified, the stale page shows...
    assert (await cb.client.get("/v1/calls")).json()["data"][0]["hangup_cause"] is None
    touch(cb.record(call_id))  # ...until a touch, which every write site does
    assert (await cb.client.get("/v1/calls")).json()["data"][0]["hangup_cause"] == "written_without_touch"


async def test_voxbridge_pages_follow_changes_and_the_recording_link(vox: Served) -> None:
    for _ in range(3):
        await vox.ok("POST", "/v1/calls/outbound", 201, json={"to": "+15551234567"})
    await vox.advance(900)  # answered and analysed: recording links on the page

    def listing(offset: int = 0, limit: int = 25) -> bytes:
        rows, total = vox.org.calls.offset_page(offset, limit)
        return vox_list(vox.emulator, rows, total, limit, offset)

    first = await vox.client.get("/v1/calls")
    built = vox.kept.pages_built
    assert first.content == listing() and b"recording.wav" in first.content
    assert (await vox.client.get("/v1/calls")).content == first.content and vox.kept.pages_built == built
    vox.emulator.base_url = "http://moved.test"  # the links change with the server's address
    moved = await vox.client.get("/v1/calls")
    assert b"moved.test" in moved.content and moved.content == listing() and vox.kept.pages_built == built + 1
    paged = await vox.client.get("/v1/calls", params={"offset": 1, "limit": 1})
    assert paged.content == listing(1, 1)
    r = await vox.client.get("/v1/calls", params={"limit": 101})
    assert r.status_code == 422 and isinstance(r.json()["detail"], list)


async def test_pages_stay_within_their_byte_budget(cb: Served) -> None:
    await place(cb, 5)
    one = len((await cb.client.get("/v1/calls", params={"limit": 1})).content)
    cb.kept.pages.budget = 3 * (one + rendered.ENTRY_OVERHEAD) + 10
    for limit in range(1, 6):
        await cb.client.get("/v1/calls", params={"limit": limit})
        assert cb.kept.pages.size <= cb.kept.pages.budget
    assert len(cb.kept.pages) <= 3

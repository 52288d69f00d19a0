"""Decisions where the docs are silent (docs/fidelity.md lists each), pinned through HTTP."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from .helpers import error_of

STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


async def advance(client: httpx.AsyncClient, seconds: float) -> None:
    r = await client.post("/_emulator/clock/advance", json={"seconds": seconds})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("path", ["/v1/calls/", "/v1/agents/", "/v1/numbers/", "/_emulator/orgs/"])
async def test_a_trailing_slash_is_a_json_404_not_a_redirect(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    error_of(r, 404, f"no route GET {path}", f"no trailing slash: {path.rstrip('/')}")
    assert "location" not in r.headers


@pytest.mark.parametrize("key", ["sk_x_1", "pk_test_1234", "sk_has-dash", "sk_" + "a" * 121])
async def test_a_malformed_org_key_says_what_a_key_looks_like(client: httpx.AsyncClient, key: str) -> None:
    message = error_of(await client.post("/_emulator/orgs", json={"api_key": key}), 400, "api_key", "sk_")
    assert "UUID" not in message


async def test_an_org_key_of_the_documented_form_is_accepted(client: httpx.AsyncClient) -> None:
    r = await client.post("/_emulator/orgs", json={"api_key": "sk_x_12"})
    assert r.status_code == 201, r.text


async def test_every_timestamp_has_one_form_with_milliseconds(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    await advance(client, 0.25)  # a fraction of a second: the form must not change
    call = await api.call(agent["id"])
    await advance(client, 60)
    done = (await client.get(f"/v1/calls/{call['id']}")).json()
    stamps = [done[k] for k in ("created_at", "started_at", "answered_at", "ended_at", "updated_at")]
    stamps += [agent["created_at"], agent["numbers"][0]["purchased_at"]]
    assert all(STAMP.match(s) for s in stamps), stamps
    assert agent["created_at"].endswith(".000Z") and done["created_at"].endswith(".250Z")


async def test_lower_case_bearer_is_accepted(connect: Any) -> None:
    client = connect(None)
    r = await client.get("/v1/calls", headers={"Authorization": "bearer sk_test_emulator"})
    assert r.status_code == 200, r.text


async def test_an_unanswered_call_is_billed_zero_not_null(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"], to="+15005550001")  # busy
    await advance(client, 10)
    done = (await client.get(f"/v1/calls/{call['id']}")).json()
    assert (done["status"], done["billed_duration_seconds"], done["billing_amount_milli_cents"]) == ("busy", 0, 0)
    assert (done["reservation_status"], done["result_status"], done["result"]) == ("released", "pending", None)


async def test_a_completed_call_without_returns_has_a_null_completed_result(
    client: httpx.AsyncClient, api: Any
) -> None:
    agent = await api.agent()  # no returns
    call = await api.call(agent["id"])
    await advance(client, 60)
    done = (await client.get(f"/v1/calls/{call['id']}")).json()
    assert (done["status"], done["result_status"], done["result"]) == ("completed", "completed", None)


async def test_voicemail_sends_no_answered_event_and_no_transcript(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"], to="+15005550004")
    await advance(client, 60)
    events = (await client.get("/_emulator/events", params={"call_id": call["id"]})).json()["data"]
    assert [e["type"] for e in events] == ["call.queued", "call.ringing", "call.no_answer"]
    done = (await client.get(f"/v1/calls/{call['id']}")).json()
    assert (done["status"], done["answered_by"], done["answered_at"]) == ("no_answer", "machine", None)


async def test_the_transcript_appears_when_the_call_ends(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"])
    await advance(client, 20)  # talking
    assert (await client.get(f"/v1/calls/{call['id']}/transcript")).json()["segments"] == []
    await advance(client, 20)  # hung up at +35
    assert len((await client.get(f"/v1/calls/{call['id']}/transcript")).json()["segments"]) > 0


async def test_from_number_is_an_e164_number_not_a_number_id(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    number_id = agent["numbers"][0]["id"]
    error_of(
        await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006", "from_number": number_id}),
        400,
        "from_number",
        "E.164",
        f"like {agent['numbers'][0]['e164']}",
        "not a number id",
    )

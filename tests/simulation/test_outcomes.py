"""Every outcome of the magic numbers, step by step on the virtual clock.

Timings come from scenarios/magic-numbers.yaml: the call is handed to the
carrier 1 s after dispatch and rings (or is busy / fails) 1 s later, then
ring, talk and extraction take the scenario's seconds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.runtime import Emulator

from .conftest import (
    HOLD,
    LOCAL_NUMBER_COST,
    PLAIN_TO,
    Events,
    advance,
    error_of,
    get_call,
    org_state,
    rel,
    segments,
    since,
    trace,
)

RETURNS = {"confirmed": "boolean", "attendees": "number", "reason": "string"}
NO_CONVERSATION_RESULT = {"result": None, "result_status": "pending", "result_error": None}


@pytest.fixture
async def agent(api: Any) -> dict[str, Any]:
    return await api.agent(returns=RETURNS, instructions="Confirm the appointment for tomorrow at 10 AM.")


def timeline(call: dict[str, Any]) -> dict[str, Any]:
    """The call's timestamps as seconds after created_at, and its billing."""
    return {
        "started_at": since(call, "started_at"),
        "answered_at": since(call, "answered_at"),
        "ended_at": since(call, "ended_at"),
        "duration_seconds": call["duration_seconds"],
        "billed_duration_seconds": call["billed_duration_seconds"],
        "billing_amount_milli_cents": call["billing_amount_milli_cents"],
        "reservation_status": call["reservation_status"],
    }


def failure(call: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    return call["error_code"], call["error_message"], call["hangup_cause"], call["answered_by"]


async def test_completed_runs_every_step_at_its_second(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
    org_id: str,
) -> None:
    before = await org_state(client, org_id)
    call = await api.call(agent["id"], to="+15005550006")
    assert (call["status"], call["result_status"], call["reservation_status"]) == ("queued", "pending", "reserved")
    assert timeline(call) == {
        "started_at": None,
        "answered_at": None,
        "ended_at": None,
        "duration_seconds": None,
        "billed_duration_seconds": None,
        "billing_amount_milli_cents": None,
        "reservation_status": "reserved",
    }
    assert (await org_state(client, org_id))["held_milli_cents"] == HOLD

    # ring 3 s, talk 30 s, extraction 2 s
    assert await trace(client, call["id"], 40) == [
        (0, "queued", "pending", "reserved"),
        (1, "initiated", "pending", "reserved"),
        (2, "ringing", "pending", "reserved"),
        (5, "in_progress", "pending", "reserved"),
        (35, "in_progress", "pending", "settled"),
        (37, "completed", "completed", "settled"),
    ]
    assert events.offsets(call["id"]) == [
        ("call.queued", 0),
        ("call.ringing", 2),
        ("call.answered", 5),
        ("call.completed", 37),
    ]
    done = await get_call(client, call["id"])
    assert timeline(done) == {
        "started_at": 2,
        "answered_at": 5,
        "ended_at": 35,
        "duration_seconds": 33,
        "billed_duration_seconds": 30,
        "billing_amount_milli_cents": 2500,
        "reservation_status": "settled",
    }  # $0.05 a minute of connected time = 5,000 milli-cents a minute: 30 s cost 2,500
    assert failure(done) == (None, None, "normal_clearing", "human")
    assert set(done["result"]) == set(RETURNS) and done["result_error"] is None
    assert since(done, "updated_at") == 37

    after = await org_state(client, org_id)
    assert after["held_milli_cents"] == 0
    assert after["balance_milli_cents"] == before["balance_milli_cents"] - 2500


async def test_a_call_is_completed_only_once_its_result_is_final(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
) -> None:
    """Status, result and call.completed land together; the end time stays the hangup's."""
    call = await api.call(agent["id"], to="+15005550006")
    await advance(client, 35)  # hangup
    hung_up = await get_call(client, call["id"])
    assert (hung_up["status"], hung_up["result_status"], hung_up["result"]) == ("in_progress", "pending", None)
    assert since(hung_up, "ended_at") == 35 and hung_up["duration_seconds"] == 33
    assert hung_up["billed_duration_seconds"] == 30 and hung_up["reservation_status"] == "settled"
    assert events.types(call["id"]) == ["call.queued", "call.ringing", "call.answered"]  # no terminal event yet

    await advance(client, 1)
    assert (await get_call(client, call["id"]))["status"] == "in_progress"
    await advance(client, 1)  # extraction done
    final = await get_call(client, call["id"])
    assert (final["status"], final["result_status"]) == ("completed", "completed") and final["result"] is not None
    assert since(final, "ended_at") == 35 and since(final, "updated_at") == 37
    assert events.types(call["id"])[-1] == "call.completed"
    completed = events.of(call["id"])[-1].call
    assert (completed.status, completed.result_status, completed.result) == ("completed", "completed", final["result"])


async def test_event_snapshots_populate_fields_as_the_docs_say(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
) -> None:
    call = await api.call(agent["id"], to="+15005550006")
    await advance(client, 40)
    queued, ringing, answered, completed = (e.call for e in events.of(call["id"]))
    assert [queued.status, ringing.status, answered.status, completed.status] == [
        "queued",
        "ringing",
        "in_progress",
        "completed",
    ]
    created = queued.created_at
    assert queued.started_at is None and queued.answered_at is None and queued.ended_at is None
    assert ringing.started_at == created + 2 and ringing.answered_at is None and ringing.ended_at is None
    assert answered.answered_at == created + 5 and answered.ended_at is None and answered.duration_seconds is None
    for early in (queued, ringing, answered):
        assert (early.result, early.result_status) == (None, "pending")
        assert early.billed_duration_seconds is None and early.billing_amount_milli_cents is None
        assert early.reservation_status == "reserved"
    assert completed.ended_at == created + 35 and completed.duration_seconds == 33
    assert completed.result_status == "completed" and set(completed.result or {}) == set(RETURNS)
    assert (completed.billed_duration_seconds, completed.billing_amount_milli_cents) == (30, 2500)
    assert completed.reservation_status == "settled"


RINGS = [
    (0, "queued", "pending", "reserved"),
    (1, "initiated", "pending", "reserved"),
    (2, "ringing", "pending", "reserved"),
]
CARRIER_ERROR = ("carrier_unreachable", "The carrier could not connect the call.", "network_out_of_order", None)


@pytest.mark.parametrize(
    "to, steps, ringing, end, error",
    [
        # busy: no ringing; the carrier's answer comes 2 s after dispatch
        ("+15005550001", [*RINGS[:2], (2, "busy", "pending", "released")], False, 2, (None, None, "user_busy", None)),
        # no answer: rings for the scenario's 30 s
        ("+15005550002", [*RINGS, (32, "no_answer", "pending", "released")], True, 32, (None, None, "no_answer", None)),
        # failed: the carrier error, no ringing
        ("+15005550003", [*RINGS[:2], (2, "failed", "pending", "released")], False, 2, CARRIER_ERROR),
        # voicemail with voicemail_action hangup: ring 8 s, the machine answers, the agent hangs up
        (
            "+15005550004",
            [*RINGS, (10, "no_answer", "pending", "released")],
            True,
            10,
            (None, None, "machine_detected", "machine"),
        ),
    ],
    ids=["busy", "no_answer", "failed", "voicemail"],
)
async def test_an_unconnected_call_ends_free_and_releases_the_hold(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
    org_id: str,
    to: str,
    steps: list[tuple[int, str, str, str]],
    ringing: bool,
    end: int,
    error: tuple[Any, ...],
) -> None:
    before = await org_state(client, org_id)
    call = await api.call(agent["id"], to=to)
    assert await trace(client, call["id"], end + 3) == steps
    status = steps[-1][1]
    assert events.offsets(call["id"]) == [
        ("call.queued", 0),
        *([("call.ringing", 2)] * ringing),
        (f"call.{status}", end),
    ]
    done = await get_call(client, call["id"])
    assert timeline(done) == {
        "started_at": 2 if ringing else None,
        "answered_at": None,
        "ended_at": end,
        "duration_seconds": end - 2 if ringing else 0,
        "billed_duration_seconds": 0,
        "billing_amount_milli_cents": 0,
        "reservation_status": "released",
    }
    assert failure(done) == error
    assert {k: done[k] for k in NO_CONVERSATION_RESULT} == NO_CONVERSATION_RESULT
    assert await segments(client, call["id"]) == []
    after = await org_state(client, org_id)
    assert (after["balance_milli_cents"], after["held_milli_cents"]) == (before["balance_milli_cents"], 0)


async def test_voicemail_with_leave_message_speaks_then_ends_without_charge(
    client: httpx.AsyncClient,
    api: Any,
    events: Events,
) -> None:
    agent = await api.agent(returns=RETURNS, voicemail_action="leave_message")
    call = await api.call(agent["id"], to="+15005550004")
    # ring 8 s, then a 12 s message on the machine; no conversation, no charge
    assert await trace(client, call["id"], 30) == [
        (0, "queued", "pending", "reserved"),
        (1, "initiated", "pending", "reserved"),
        (2, "ringing", "pending", "reserved"),
        (22, "no_answer", "pending", "released"),
    ]
    assert events.types(call["id"]) == ["call.queued", "call.ringing", "call.no_answer"]
    done = await get_call(client, call["id"])
    assert timeline(done) == {
        "started_at": 2,
        "answered_at": None,
        "ended_at": 22,
        "duration_seconds": 20,
        "billed_duration_seconds": 0,
        "billing_amount_milli_cents": 0,
        "reservation_status": "released",
    }
    assert done["answered_by"] == "machine" and done["result"] is None and done["result_status"] == "pending"
    [message] = await segments(client, call["id"])
    assert (message["sequence_no"], message["role"], message["source"]) == (0, "agent", "tts")
    assert (rel(done, message["started_at"]), rel(done, message["ended_at"])) == (10, 22)
    assert message["duration_ms"] == 12_000


async def test_canceled_while_ringing(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
) -> None:
    call = await api.call(agent["id"], to="+15005550005")
    assert await trace(client, call["id"], 10) == [
        (0, "queued", "pending", "reserved"),
        (1, "initiated", "pending", "reserved"),
        (2, "ringing", "pending", "reserved"),
        (7, "canceled", "pending", "released"),
    ]
    assert events.offsets(call["id"]) == [("call.queued", 0), ("call.ringing", 2), ("call.canceled", 7)]
    done = await get_call(client, call["id"])
    assert timeline(done) == {
        "started_at": 2,
        "answered_at": None,
        "ended_at": 7,
        "duration_seconds": 5,
        "billed_duration_seconds": 0,
        "billing_amount_milli_cents": 0,
        "reservation_status": "released",
    }
    assert failure(done) == (None, None, "originator_cancel", None)
    assert {k: done[k] for k in NO_CONVERSATION_RESULT} == NO_CONVERSATION_RESULT
    assert await segments(client, call["id"]) == []


async def test_extraction_failure_completes_with_null_fields(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
    org_id: str,
) -> None:
    before = await org_state(client, org_id)
    call = await api.call(agent["id"], to="+15005550007")
    # ring 3 s, talk 20 s, extraction 3 s
    assert await trace(client, call["id"], 30) == [
        (0, "queued", "pending", "reserved"),
        (1, "initiated", "pending", "reserved"),
        (2, "ringing", "pending", "reserved"),
        (5, "in_progress", "pending", "reserved"),
        (25, "in_progress", "pending", "settled"),
        (28, "completed", "failed", "settled"),
    ]
    assert events.offsets(call["id"]) == [
        ("call.queued", 0),
        ("call.ringing", 2),
        ("call.answered", 5),
        ("call.completed", 28),
    ]
    done = await get_call(client, call["id"])
    assert done["result"] == {"confirmed": None, "attendees": None, "reason": None}
    assert done["result_error"] == "extraction failed: the transcript did not contain the requested fields"
    assert timeline(done) == {
        "started_at": 2,
        "answered_at": 5,
        "ended_at": 25,
        "duration_seconds": 23,
        "billed_duration_seconds": 20,
        "billing_amount_milli_cents": 1667,
        "reservation_status": "settled",
    }  # 20 s at 5,000 milli-cents a minute is 1,666.67, rounded up to whole milli-cents
    assert len(await segments(client, call["id"])) > 0  # there was a conversation
    assert (await org_state(client, org_id))["balance_milli_cents"] == before["balance_milli_cents"] - 1667


async def test_dispatch_refused_keeps_no_call_and_no_hold(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    events: Events,
    org_id: str,
) -> None:
    before = await org_state(client, org_id)
    r = await client.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550008"})
    error_of(r, 502, "Telephony provider could not place the call: destination rejected.")
    listed = (await client.get("/v1/calls")).json()
    assert listed == {"data": [], "has_more": False}
    assert events.all == []
    after = await org_state(client, org_id)
    assert (after["balance_milli_cents"], after["held_milli_cents"]) == (before["balance_milli_cents"], 0)
    await advance(client, 60)
    assert events.all == [] and (await client.get("/v1/calls")).json()["data"] == []


async def test_other_numbers_get_the_default_scenario(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
) -> None:
    call = await api.call(agent["id"], to=PLAIN_TO)
    # default: ring 4 s, talk 45 s, extraction 2 s
    assert await trace(client, call["id"], 55) == [
        (0, "queued", "pending", "reserved"),
        (1, "initiated", "pending", "reserved"),
        (2, "ringing", "pending", "reserved"),
        (6, "in_progress", "pending", "reserved"),
        (51, "in_progress", "pending", "settled"),
        (53, "completed", "completed", "settled"),
    ]
    done = await get_call(client, call["id"])
    assert timeline(done) == {
        "started_at": 2,
        "answered_at": 6,
        "ended_at": 51,
        "duration_seconds": 49,
        "billed_duration_seconds": 45,
        "billing_amount_milli_cents": 3750,
        "reservation_status": "settled",
    }  # 45 s at 5,000 milli-cents a minute


@pytest.fixture
async def hook(emulator: Emulator) -> AsyncIterator[str]:
    """A webhook URL of the emulator's built-in sink ``sim``, served in-process."""
    emulator.transport.mount("http://emulator.test", create_app(emulator))
    yield "http://emulator.test/_emulator/sinks/sim"
    await emulator.transport.aclose()


async def test_delivery_ledger_and_webhooks_carry_each_event(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    api: Any,
    events: Events,
    hook: str,
) -> None:
    call = await api.call(agent["id"], to="+15005550006", webhook_url=hook)
    busy = await api.call(agent["id"], to="+15005550001", webhook_url=hook)
    await advance(client, 40)

    for one, expected in (
        (call, ["call.queued", "call.ringing", "call.answered", "call.completed"]),
        (busy, ["call.queued", "call.busy"]),
    ):
        r = await client.get("/v1/webhook_deliveries", params={"call_id": one["id"]})
        assert r.status_code == 200, r.text
        rows = list(reversed(r.json()["data"]))  # oldest first
        assert [row["event_type"] for row in rows] == events.types(one["id"]) == expected
        assert {(row["url"], row["status"]) for row in rows} == {(hook, "delivered")}
    rows = list(reversed((await client.get("/v1/webhook_deliveries", params={"call_id": call["id"]})).json()["data"]))
    assert [rel(call, row["created_at"]) for row in rows] == [0, 2, 5, 37]

    received = (await client.get("/_emulator/sinks/sim")).json()["data"]
    sent = {(item["body"]["type"], item["body"]["data"]["call"]["id"]): item for item in received}
    assert len(received) == len(sent) == 6
    assert all(item["verified"] for item in received)
    snapshots = [
        sent[(kind, call["id"])]["body"]["data"]["call"]
        for kind in ("call.queued", "call.ringing", "call.answered", "call.completed")
    ]
    assert [c["status"] for c in snapshots] == ["queued", "ringing", "in_progress", "completed"]
    assert [since(c, "started_at") for c in snapshots] == [None, 2, 2, 2]
    assert [since(c, "answered_at") for c in snapshots] == [None, None, 5, 5]
    assert [since(c, "ended_at") for c in snapshots] == [None, None, None, 35]
    assert [c["duration_seconds"] for c in snapshots] == [None, None, None, 33]
    assert [c["result_status"] for c in snapshots] == ["pending", "pending", "pending", "completed"]
    assert [c["result"] is None for c in snapshots] == [True, True, True, False]
    assert [c["billing_amount_milli_cents"] for c in snapshots] == [None, None, None, 2500]
    busy_end = sent[("call.busy", busy["id"])]["body"]["data"]["call"]
    assert (busy_end["status"], busy_end["reservation_status"], since(busy_end, "ended_at")) == ("busy", "released", 2)


async def test_numbers_bought_for_agents_are_debited(client: httpx.AsyncClient, api: Any, org_id: str) -> None:
    before = (await org_state(client, org_id))["balance_milli_cents"]
    await api.agent()
    assert (await org_state(client, org_id))["balance_milli_cents"] == before - LOCAL_NUMBER_COST

"""Structured results and transcripts of simulated calls."""

from __future__ import annotations

from typing import Any

import httpx

from .conftest import PLAIN_TO, advance, at, get_call, load_scenarios, rel, segments

SCENARIO = "CallingBox-Emulator-Scenario"
APPOINTMENT_RETURNS = {"confirmed": "boolean", "reschedule_to": "string", "reason": "string"}
APPOINTMENT_TURNS = [
    ("agent", "Hi, this is the assistant from Dr. Chen's office calling about your appointment tomorrow at 10 AM."),
    ("user", "Oh right, yes."),
    ("agent", "Can you confirm you'll be able to make it?"),
    ("user", "Yes, I'll be there."),
    ("agent", "Perfect, you're confirmed. See you tomorrow!"),
]


def check_segments(call: dict[str, Any], segs: list[dict[str, Any]]) -> None:
    """Ordered, alternating sources by role, contiguous, inside answered_at..ended_at."""
    assert [s["sequence_no"] for s in segs] == list(range(len(segs)))
    for s in segs:
        assert s["source"] == {"agent": "tts", "user": "stt"}[s["role"]]
        assert s["text"]
        assert at(call["answered_at"]) <= at(s["started_at"]) <= at(s["ended_at"]) <= at(call["ended_at"])
        span_ms = (at(s["ended_at"]) - at(s["started_at"])) * 1000
        assert abs(s["duration_ms"] - span_ms) <= 2  # both stamps are rounded to milliseconds
    assert segs[0]["started_at"] == call["answered_at"]
    assert segs[-1]["ended_at"] == call["ended_at"]
    for earlier, later in zip(segs, segs[1:], strict=False):
        assert earlier["ended_at"] == later["started_at"]


async def test_results_follow_the_returns_types(client: httpx.AsyncClient, api: Any) -> None:
    returns = {
        "confirmed": "boolean",
        "interested": "boolean",
        "amount": "number",
        "score": "number",
        "attendees": "number",
        "email": "string",
        "callback_phone": "string",
        "reschedule_to": "string",
        "contact_name": "string",
        "reason": "string",
        "topic": "string",
    }
    agent = await api.agent(returns=returns)
    calls = [await api.call(agent["id"], to="+15005550006") for _ in range(5)]
    await advance(client, 40)
    for call in calls:
        done = await get_call(client, call["id"])
        assert done["result_status"] == "completed" and done["result_error"] is None
        result = done["result"]
        assert list(result) == list(returns)
        for name, hint in returns.items():
            value = result[name]
            if hint == "boolean":
                assert isinstance(value, bool), (name, value)
            elif hint == "number":
                assert isinstance(value, (int, float)) and not isinstance(value, bool), (name, value)
            else:
                assert isinstance(value, str) and value, (name, value)
        assert "@" in result["email"]
        assert result["callback_phone"].startswith("+1") and len(result["callback_phone"]) == 12
        assert 1 <= result["score"] <= 10
        # a date-like field is an ISO time after the call
        assert at(result["reschedule_to"]) > at(done["ended_at"])


async def test_a_call_without_returns_has_a_null_result(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent()
    call = await api.call(agent["id"], to="+15005550006")
    await advance(client, 40)
    done = await get_call(client, call["id"])
    assert (done["status"], done["result_status"], done["result"], done["result_error"]) == (
        "completed",
        "completed",
        None,
        None,
    )


async def test_library_scenario_gives_its_literal_result_and_transcript(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(returns=APPOINTMENT_RETURNS)
    r = await client.post(
        "/v1/calls", json={"agent_id": agent["id"], "to": PLAIN_TO}, headers={SCENARIO: "appointment-confirmed"}
    )
    assert r.status_code == 201, r.text
    call = r.json()
    await advance(client, 44)  # ring 5 s, talk 38 s: hangup at +45
    assert (await get_call(client, call["id"]))["ended_at"] is None
    await advance(client, 1)
    hung_up = await get_call(client, call["id"])
    assert (hung_up["status"], hung_up["result_status"], hung_up["result"]) == ("in_progress", "pending", None)
    assert rel(hung_up, hung_up["ended_at"]) == 45
    await advance(client, 2)  # extraction 2 s
    done = await get_call(client, call["id"])
    assert done["result"] == {"confirmed": True, "reschedule_to": None, "reason": None}
    assert (done["status"], done["result_status"]) == ("completed", "completed")
    assert (rel(done, done["answered_at"]), rel(done, done["ended_at"]), rel(done, done["updated_at"])) == (7, 45, 47)
    assert (done["billed_duration_seconds"], done["billing_amount_milli_cents"]) == (38, 3167)

    segs = await segments(client, call["id"])
    assert [(s["role"], s["text"]) for s in segs] == APPOINTMENT_TURNS
    check_segments(done, segs)


async def test_literal_values_win_and_the_other_fields_are_generated(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - name: partial-result
    match: {to: "+1303"}
    outcome: completed
    timing: {ring: 1, talk: 10, extraction: 1}
    result: {interested: false, budget: 1500, note: "call back in May", unknown_field: 7}
""",
    )
    agent = await api.agent(
        returns={"interested": "boolean", "budget": "number", "note": "string", "company": "string", "seats": "number"}
    )
    call = await api.call(agent["id"], to="+13035550199")
    await advance(client, 20)
    result = (await get_call(client, call["id"]))["result"]
    # literal values as written; fields the scenario leaves out follow the returns types;
    # a literal for a field the agent does not return is not part of the result
    assert list(result) == ["interested", "budget", "note", "company", "seats"]
    assert (result["interested"], result["budget"], result["note"]) == (False, 1500, "call back in May")
    assert isinstance(result["company"], str) and result["company"]
    assert isinstance(result["seats"], int) and not isinstance(result["seats"], bool)


async def test_default_conversation_uses_the_instructions(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(instructions="Remind them of the appointment tomorrow at 10 AM.")
    call = await api.call(agent["id"], to="+15005550006")
    await advance(client, 40)
    done = await get_call(client, call["id"])
    segs = await segments(client, call["id"])
    assert [s["role"] for s in segs] == ["agent", "user", "agent", "user", "agent", "user"]
    assert segs[2]["text"] == "Remind them of the appointment tomorrow at 10 AM."
    check_segments(done, segs)


async def test_default_conversation_never_reads_out_the_persona(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(persona="You are Sam, a warm receptionist at Dr. Chen's office.")
    call = await api.call(agent["id"], to="+15005550006")
    await advance(client, 40)
    texts = [s["text"] for s in await segments(client, call["id"])]
    assert all("You are" not in text for text in texts), texts
    assert texts[2] == "I'm calling to follow up on your request."


async def test_per_call_instructions_drive_the_conversation(client: httpx.AsyncClient, api: Any) -> None:
    agent = await api.agent(instructions="Confirm the appointment.")
    call = await api.call(agent["id"], to="+15005550006", instructions="Ask whether they received the parcel.")
    await advance(client, 40)
    texts = [s["text"] for s in await segments(client, call["id"])]
    assert texts[2] == "Ask whether they received the parcel."


async def test_scenario_transcript_spreads_over_fractional_talk_time(client: httpx.AsyncClient, api: Any) -> None:
    await load_scenarios(
        client,
        """
scenarios:
  - name: short-and-odd
    match: {to: "+1303"}
    outcome: completed
    timing: {ring: 2.5, talk: 30.5, extraction: 0.5}
    transcript:
      - {role: user, text: "Hello?"}
      - {role: agent, text: "Hi! Quick question about your order."}
      - {role: user, text: "Sure."}
""",
    )
    agent = await api.agent(returns={"ok": "boolean"})
    call = await api.call(agent["id"], to="+13035550100")
    await advance(client, 35.5)
    done = await get_call(client, call["id"])
    assert (rel(done, done["answered_at"]), rel(done, done["ended_at"])) == (4.5, 35)
    assert done["result_status"] == "completed"
    # connected 30.5 s: billed as 31 s, charged ceil(31 * 5000 / 60) = 2584 milli-cents
    assert (done["duration_seconds"], done["billed_duration_seconds"], done["billing_amount_milli_cents"]) == (
        33,
        31,
        2584,
    )
    segs = await segments(client, call["id"])
    assert [(s["role"], s["source"]) for s in segs] == [("user", "stt"), ("agent", "tts"), ("user", "stt")]
    check_segments(done, segs)

"""The VoxBridge format as the core's dispatcher uses it: neutral changes to events, a
delivery to its signed body and headers, and a sink's verification."""

from __future__ import annotations

import json

import pytest

from emulator.api.voxbridge import webhooks
from emulator.api.voxbridge.events import EVENT_TYPES, events
from emulator.api.voxbridge.webhook_format import VoxBridgeFormat
from emulator.dialect import ENDED, RESULT, STATUS, Change
from emulator.domain.records import Delivery, Event
from emulator.webhooks.signing import SignatureError

from .calls import T0, FakeCall, answered_call

ORG = "550e8400-e29b-41d4-a716-446655440000"
SECRET = "0f" * 32


def delivery(event_type: str, call: FakeCall, at: float = T0 + 0.25) -> Delivery:
    return Delivery(
        id="d1",
        org_id=ORG,
        endpoint_id=None,
        call_id=call.id,
        event_type=event_type,
        url="http://127.0.0.1:9/h",
        event=Event(type=event_type, call=call, created=at),  # type: ignore[arg-type]
        created_at=at,
        updated_at=at,
        next_attempt_at=at,
    )


def test_neutral_changes_map_to_the_three_events() -> None:
    assert EVENT_TYPES == ("call.queued", "call.ended", "call.analyzed")
    assert events(Change(STATUS, FakeCall(), None, "queued")) == ("call.queued",)
    assert events(Change(STATUS, FakeCall(status="ringing", attempt_count=1), "initiated", "ringing")) == ()
    busy_again = FakeCall(status="busy", attempt_count=1)
    assert events(Change(STATUS, busy_again, "initiated", "busy")) == ()
    busy_last = FakeCall(status="busy", attempt_count=3)
    assert events(Change(STATUS, busy_last, "initiated", "busy")) == ("call.ended",)
    assert events(Change(ENDED, answered_call(status="in_progress"))) == ("call.ended",)
    assert events(Change(STATUS, answered_call(), "in_progress", "completed")) == ()
    assert events(Change(RESULT, answered_call())) == ("call.analyzed",)
    assert events(Change("something-new", answered_call())) == ()


def test_a_delivery_renders_the_flat_envelope_and_signs_it() -> None:
    fmt = VoxBridgeFormat(recording_url=lambda call: f"http://127.0.0.1:8787/v1/calls/{call.id}/recording.wav")
    call = answered_call()
    body = fmt.render(delivery("call.analyzed", call))
    payload = json.loads(body)
    assert list(payload)[:4] == ["event", "org_id", "call_id", "timestamp"]
    assert (payload["event"], payload["org_id"], payload["call_id"]) == ("call.analyzed", ORG, call.id)
    assert payload["timestamp"] == "2026-06-01T14:00:00.250000+00:00"
    assert payload["recording_url"].endswith("/recording.wav") and payload["structured_answers"] == {"interested": True}
    headers = fmt.headers(delivery("call.analyzed", call), body, SECRET, 1_700_000_000)
    assert headers["X-Voice-Signature"] == webhooks.signature(SECRET, body)
    assert headers["Content-Type"] == "application/json"
    assert (fmt.name, fmt.timeout, fmt.retry.max_attempts) == ("voxbridge", 15.0, 5)


def test_queued_renders_the_docs_fields() -> None:
    payload = json.loads(VoxBridgeFormat().render(delivery("call.queued", FakeCall())))
    assert {k: payload[k] for k in ("to", "status", "metadata")} == {
        "to": "+15551234567",
        "status": "queued",
        "metadata": {"crm_id": "lead_8821"},
    }


def test_sinks_verify_with_any_known_secret_and_refuse_the_rest() -> None:
    fmt = VoxBridgeFormat()
    body = fmt.render(delivery("call.queued", FakeCall()))
    signed = {"x-voice-signature": webhooks.signature(SECRET, body)}
    assert fmt.verify(signed, body, ["other", SECRET], T0) == SECRET
    for headers, secrets in (({}, [SECRET]), (signed, ["other"]), ({"x-voice-signature": "sha256=é"}, [SECRET])):
        with pytest.raises(SignatureError):
            fmt.verify(headers, body, secrets, T0)
    assert fmt.identify(signed) == (None, None, None)

"""A core call, as VoxBridge shows it: CallOut at each stage, and the webhook fields."""

from __future__ import annotations

import json

from emulator.api.voxbridge import present, webhooks

from .calls import T0, FakeCall, answered_call
from .seeds import RESPONSE

URL = "http://127.0.0.1:8787/v1/calls/6ba7b810-9dad-11d1-80b4-00c04fd430c8/recording.wav?token=ab"


def test_a_new_call_reads_exactly_as_the_docs_example() -> None:
    shown = json.loads(present.call_out(FakeCall(), URL).model_dump_json())
    example = json.loads(RESPONSE) | {"agent_id": FakeCall().agent_id}
    assert shown == example | {"error_message": None}
    assert list(shown)[:-1] == list(example)


def test_an_analysed_call_shows_transcript_answers_recording() -> None:
    shown = present.call_out(answered_call(), URL)
    assert (shown.status, shown.disposition, shown.duration_seconds) == ("completed", "answered", 45)
    assert shown.recording_url == URL and shown.structured_answers == {"interested": True}
    assert shown.transcript and shown.transcript[0]["role"] == "agent"
    assert shown.completed_at == T0 + 55 and shown.error_message is None


def test_after_hangup_before_analysis_the_call_is_completed_without_results() -> None:
    shown = present.call_out(answered_call(status="in_progress", result=None, result_status="pending"), URL)
    assert (shown.status, shown.disposition, shown.duration_seconds) == ("completed", "answered", 45)
    assert shown.transcript is None and shown.recording_url is None and shown.structured_answers is None


def test_while_calling_nothing_final_shows() -> None:
    shown = present.call_out(FakeCall(status="ringing", attempt_count=1, started_at=T0 + 5), URL)
    assert (shown.status, shown.disposition, shown.duration_seconds, shown.completed_at) == (
        "calling",
        None,
        None,
        None,
    )
    assert shown.started_at == T0 + 5 and shown.attempt_count == 1


def test_between_redials_the_call_is_queued_without_a_disposition() -> None:
    shown = present.call_out(FakeCall(status="busy", attempt_count=1, ended_at=T0 + 3), URL)
    assert (shown.status, shown.disposition, shown.completed_at, shown.error_message) == ("queued", None, None, None)


def test_a_failed_call_has_zero_duration_and_a_message() -> None:
    shown = present.call_out(
        FakeCall(
            status="no_answer", answered_by="machine", attempt_count=3, ended_at=T0 + 40, billed_duration_seconds=0
        ),
        URL,
    )
    assert (shown.status, shown.disposition, shown.duration_seconds) == ("failed", "voicemail", 0)
    assert shown.error_message == "Reached voicemail after 3 attempts" and shown.recording_url is None


def test_event_fields_fill_every_envelope() -> None:
    fields = present.event_fields(answered_call(), URL)
    for event in webhooks.EVENTS:
        payload = webhooks.envelope(event, "550e8400-e29b-41d4-a716-446655440000", fields["id"], T0, fields)
        assert payload["metadata"] == {"crm_id": "lead_8821"}
    assert fields["to"] == "+15551234567"

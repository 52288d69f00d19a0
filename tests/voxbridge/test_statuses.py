"""The one mapping from the neutral lifecycle to VoxBridge statuses, dispositions, events."""

from __future__ import annotations

import pytest

from emulator.api.voxbridge import statuses

from .calls import T0, FakeCall, Turn, answered_call


@pytest.mark.parametrize(
    "neutral, vox", [("queued", "queued"), ("initiated", "calling"), ("ringing", "calling"), ("in_progress", "calling")]
)
def test_before_the_end(neutral: str, vox: str) -> None:
    call = FakeCall(status=neutral, attempt_count=1)
    assert statuses.status(call) == vox and statuses.disposition(call) is None
    assert statuses.error_message(call) is None


def test_an_answered_call_is_completed_from_hangup_on() -> None:
    hung_up = answered_call(status="in_progress", result=None, result_status="pending")
    assert statuses.status(hung_up) == "completed" and statuses.disposition(hung_up) == "answered"
    assert statuses.status(answered_call()) == "completed"
    assert statuses.error_message(answered_call()) is None


@pytest.mark.parametrize(
    "neutral, answered_by, disposition, message",
    [
        ("no_answer", None, "no_answer", "No answer"),
        ("no_answer", "machine", "voicemail", "Reached voicemail"),
        ("busy", None, "busy", "Line busy"),
        ("failed", None, "failed", "Call could not be connected"),
        ("canceled", None, "canceled", "Call was canceled"),
    ],
)
def test_unanswered_ends_are_failed_with_a_disposition(
    neutral: str, answered_by: str | None, disposition: str, message: str
) -> None:
    call = FakeCall(status=neutral, answered_by=answered_by, attempt_count=1, max_attempts=1)
    assert statuses.status(call) == "failed"
    assert statuses.disposition(call) == disposition
    assert statuses.error_message(call) == message


def test_the_cores_failure_message_wins_and_attempts_are_counted() -> None:
    call = FakeCall(
        status="failed", error_message="The carrier could not connect the call.", attempt_count=3, max_attempts=3
    )
    assert statuses.error_message(call) == "The carrier could not connect the call after 3 attempts"


@pytest.mark.parametrize("neutral", ["no_answer", "busy", "failed"])
def test_a_redialled_outcome_waits_queued_while_attempts_are_left(neutral: str) -> None:
    call = FakeCall(status=neutral, attempt_count=1, max_attempts=3)
    assert statuses.redial_pending(call) and statuses.status(call) == "queued"
    assert statuses.events_for("status", call) == ()
    call.attempt_count = 3
    assert not statuses.redial_pending(call) and statuses.status(call) == "failed"
    assert statuses.events_for("status", call) == ("call.ended",)


def test_voicemail_is_redialled_and_canceled_is_not() -> None:
    assert statuses.redial_pending(FakeCall(status="no_answer", answered_by="machine", attempt_count=1))
    canceled = FakeCall(status="canceled", attempt_count=1, max_attempts=3)
    assert not statuses.redial_pending(canceled) and statuses.status(canceled) == "failed"
    assert statuses.events_for("status", canceled) == ("call.ended",)


def test_redials_are_spaced_on_the_virtual_clock() -> None:
    assert statuses.redial_at(T0) == T0 + statuses.REDIAL_DELAY == T0 + 300


def test_events_fire_once_at_their_moment() -> None:
    assert statuses.events_for("stored", FakeCall()) == ("call.queued",)
    assert statuses.events_for("hung_up", answered_call(status="in_progress")) == ("call.ended",)
    assert statuses.events_for("result_ready", answered_call()) == ("call.analyzed",)
    for neutral in ("initiated", "ringing", "in_progress", "completed"):
        assert statuses.events_for("status", FakeCall(status=neutral, attempt_count=1)) == ()


def test_nothing_is_analysed_without_an_answer() -> None:
    voicemail = FakeCall(status="no_answer", answered_by="machine", attempt_count=3)
    assert statuses.events_for("result_ready", voicemail) == ()
    assert statuses.events_for("hung_up", voicemail) == ()


def test_an_unknown_moment_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        statuses.events_for("ringing", FakeCall())


def test_transcript_offsets_line_up_with_the_recording() -> None:
    call = answered_call()
    assert statuses.transcript(call.transcript, call.answered_at) == [
        {"role": "agent", "text": "Hi, is this Jane?", "start_seconds": 0.0, "end_seconds": 3.5},
        {"role": "user", "text": "Yes, speaking.", "start_seconds": 4.0, "end_seconds": 6.0},
    ]
    assert statuses.transcript([], T0) is None
    assert statuses.transcript([Turn("agent", "Hello", T0, None)], None) is None


def test_structured_answers_only_once_extraction_succeeded() -> None:
    assert statuses.structured_answers({"interested": True}, "completed") == {"interested": True}
    assert statuses.structured_answers({"interested": None}, "failed") is None
    assert statuses.structured_answers(None, "pending") is None


def test_an_inbound_call_is_never_queued_but_ends_and_is_analysed() -> None:
    inbound = answered_call(direction="inbound", max_attempts=1)
    assert statuses.events_for("stored", inbound) == ()
    assert statuses.events_for("hung_up", inbound) == ("call.ended",)
    assert statuses.events_for("result_ready", inbound) == ("call.analyzed",)

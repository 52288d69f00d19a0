"""The one mapping from the core's neutral call to VoxBridge's status, disposition, error
message, events and redials.

Neutral statuses: queued, initiated, ringing, in_progress, completed, no_answer, busy,
canceled, failed. At hangup ``ended_at`` is set while the status stays in_progress until the
result is final (then completed). Voicemail is no_answer with ``answered_by == "machine"``.

VoxBridge shows four statuses: queued (waiting to dial, first time or between redials),
calling (dialling, ringing or talking), completed (a person answered and the line has
ended), failed (every attempt ended unanswered, or a carrier error, or canceled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

FAILED_OUTCOMES = ("no_answer", "busy", "failed", "canceled")
# Unanswered or failed attempts are redialled (the issue, and the docs' "failed attempts are
# retried"); a canceled call was stopped on purpose, and an answered one reached its person.
REDIALLED = ("no_answer", "busy", "failed")
REDIAL_DELAY = 300.0  # seconds of virtual time from an attempt's end to the next dial
MESSAGES = {
    "no_answer": "No answer",
    "voicemail": "Reached voicemail",
    "busy": "Line busy",
    "failed": "Call could not be connected",
    "canceled": "Call was canceled",
}


class NeutralCall(Protocol):
    """Exactly the core fields this module reads."""

    status: str
    direction: str
    answered_by: str | None
    answered_at: float | None
    ended_at: float | None
    error_message: str | None
    attempt_count: int
    max_attempts: int


def redial_pending(call: NeutralCall) -> bool:
    """An attempt ended unanswered and attempts are left: the call waits queued to redial."""
    return call.status in REDIALLED and call.attempt_count < call.max_attempts


def status(call: NeutralCall) -> str:
    neutral = call.status
    if neutral == "queued" or redial_pending(call):
        return "queued"
    if neutral == "completed" or (neutral == "in_progress" and call.ended_at is not None):
        return "completed"
    if neutral in FAILED_OUTCOMES:
        return "failed"
    return "calling"  # initiated, ringing, in_progress before hangup


def disposition(call: NeutralCall) -> str | None:
    """How the latest attempt ended; null until one has."""
    neutral = call.status
    if neutral in FAILED_OUTCOMES:
        return "voicemail" if neutral == "no_answer" and call.answered_by == "machine" else neutral
    if neutral == "completed" or (neutral == "in_progress" and call.ended_at is not None):
        return "answered"
    return None


def error_message(call: NeutralCall) -> str | None:
    """Set on failed only: the core's message (a carrier error), else a plain one, with the
    number of attempts when there were several."""
    if status(call) != "failed":
        return None
    kind = disposition(call) or "failed"
    message = call.error_message or MESSAGES[kind]
    if call.attempt_count > 1:
        message = f"{message.rstrip('.')} after {call.attempt_count} attempts"
    return message


def answered(call: NeutralCall) -> bool:
    return call.answered_by == "human" and call.answered_at is not None


# Neutral moments the wiring reports, one call at a time:
#   "stored"        the call was kept (201 answered)
#   "hung_up"       an answered call's line dropped (ended_at set, status still in_progress)
#   "status"        the neutral status changed (to call.status)
#   "result_ready"  extraction ended (neutral completed)
def events_for(moment: str, call: NeutralCall) -> tuple[str, ...]:
    """The VoxBridge events a neutral moment fires: call.queued once when an outbound call is
    stored (an inbound call is never queued), call.ended once at the final end (never per
    redialled attempt), call.analyzed once the result is ready, for answered calls only
    (nothing is analysed without a conversation)."""
    if moment == "stored":
        return ("call.queued",) if call.direction == "outbound" else ()
    if moment == "hung_up":
        return ("call.ended",) if answered(call) else ()
    if moment == "status":
        final = call.status in FAILED_OUTCOMES and not redial_pending(call)
        return ("call.ended",) if final else ()
    if moment == "result_ready":
        return ("call.analyzed",) if answered(call) else ()
    raise ValueError(f"unknown moment {moment!r}")


def redial_at(ended_at: float) -> float:
    return ended_at + REDIAL_DELAY


class Turn(Protocol):
    role: str
    text: str
    started_at: float
    ended_at: float | None


def transcript(turns: Sequence[Turn], answered_at: float | None) -> list[dict[str, Any]] | None:
    """``[{role, text, start_seconds, end_seconds}]``, offsets from the answer, so they line
    up with the recording; null when there was no conversation."""
    if not turns or answered_at is None:
        return None
    return [
        {
            "role": t.role,
            "text": t.text,
            "start_seconds": round(max(0.0, t.started_at - answered_at), 3),
            "end_seconds": None if t.ended_at is None else round(max(0.0, t.ended_at - answered_at), 3),
        }
        for t in turns
    ]


def structured_answers(result: dict[str, Any] | None, result_status: str) -> dict[str, Any] | None:
    """The scenario's result values once extraction succeeded; null before, or when it failed."""
    return dict(result) if result_status == "completed" and result is not None else None

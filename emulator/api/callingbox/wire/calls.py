from __future__ import annotations

from typing import Any, Literal

from emulator.api.wire.common import NonEmpty, OptTimestamp, Request, Response, Timestamp, UuidStr
from emulator.omittable import Omittable


class Call(Response):
    id: str
    agent_id: str | None
    to_number: str
    from_number: str
    status: str
    direction: str
    persona: str | None
    instructions: str | None
    prompt: str
    context: dict[str, Any]
    returns: dict[str, Any]
    result: dict[str, Any] | None
    result_status: str
    result_error: str | None
    language: str
    webhook_url: str | None
    webhook_status: str
    webhook_error: str | None
    tools: list[dict[str, Any]] | None
    created_at: Timestamp
    started_at: OptTimestamp
    answered_at: OptTimestamp
    ended_at: OptTimestamp
    duration_seconds: int | None
    billed_duration_seconds: int | None
    billing_amount_milli_cents: int | None
    reservation_status: str
    error_code: str | None
    error_message: str | None
    hangup_cause: str | None
    answered_by: str | None
    metadata: dict[str, Any]
    updated_at: Timestamp


class Segment(Response):
    sequence_no: int
    role: str
    text: str
    started_at: Timestamp
    ended_at: OptTimestamp
    duration_ms: int | None
    source: str


class Transcript(Response):
    call_id: str
    segments: list[Segment]


# Fields that live on the agent: the agent-centric API refuses them on a call.
AGENT_ONLY_FIELDS = ("persona", "voice", "language", "returns", "tools", "voicemail_action")


class CreateCall(Request):
    agent_id: UuidStr
    to: str
    from_number: Omittable[str] = None
    instructions: Omittable[str] = None
    context: Omittable[dict[str, Any]] = None
    webhook_url: Omittable[NonEmpty] = None
    metadata: Omittable[dict[str, Any]] = None


class CreateLegacyCall(Request):
    """The prompt-based body of the legacy API, as SDK 0.1.0 sends it."""

    to: str
    prompt: Omittable[str] = None
    context: Omittable[dict[str, Any]] = None
    returns: Omittable[dict[str, str]] = None
    language: Omittable[NonEmpty] = None
    from_number: Omittable[str] = None
    webhook_url: Omittable[NonEmpty] = None
    voicemail_action: Omittable[Literal["hangup", "leave_message"]] = None
    tools: Omittable[list[dict[str, Any]]] = None

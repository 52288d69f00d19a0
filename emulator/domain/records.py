"""The stored records. Plain slotted dataclasses: cheap to keep 100,000 of.

Times are unix seconds on the virtual clock (float). Wire formats live in the
HTTP layer, which reads these records and never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Number:
    id: str
    org_id: str
    e164: str
    country_code: str
    number_type: str
    monthly_cost_cents: int
    purchased_at: float
    friendly_name: str | None = None
    status: str = "active"
    inbound_agent_id: str | None = None
    outbound_agent_ids: list[str] = field(default_factory=list)
    # Legacy per-number inbound config (PUT /v1/numbers/{id}/inbound, SDK 0.1.0 only).
    inbound_enabled: bool = False
    inbound_prompt: str | None = None
    inbound_returns: dict[str, Any] | None = None
    inbound_webhook_url: str | None = None
    inbound_language: str | None = None
    inbound_tools: list[Any] | None = None
    inbound_voicemail_action: str = "hangup"


@dataclass(slots=True)
class Agent:
    id: str
    org_id: str
    user_id: str
    name: str
    type: str
    created_at: float
    updated_at: float
    persona: str | None = None
    instructions: str | None = None
    voice: str = "alloy"
    language: str = "en"
    returns: dict[str, Any] = field(default_factory=dict)
    tools: list[Any] = field(default_factory=list)
    webhook_url: str | None = None
    voicemail_action: str = "hangup"
    primary_number_id: str | None = None
    number_ids: list[str] = field(default_factory=list)
    archived_at: float | None = None
    slug: str | None = None
    is_default: bool = False  # the org's default agent of its type (a dialect may pick it when none is named)


@dataclass(slots=True)
class Call:
    id: str
    org_id: str
    to_number: str
    from_number: str | None  # None: the dialect lets a call go without a caller ID
    direction: str
    prompt: str
    language: str
    created_at: float
    updated_at: float
    agent_id: str | None = None
    status: str = "queued"
    persona: str | None = None
    instructions: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    returns: dict[str, Any] = field(default_factory=dict)
    tools: list[Any] | None = None
    voicemail_action: str = "hangup"
    result: dict[str, Any] | None = None
    result_status: str = "pending"
    result_error: str | None = None
    webhook_url: str | None = None
    webhook_status: str = "none"
    webhook_error: str | None = None
    started_at: float | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    duration_seconds: int | None = None
    billed_duration_seconds: int | None = None
    billing_amount_milli_cents: int | None = None
    reservation_status: str = "reserved"
    hold_milli_cents: int = 0
    error_code: str | None = None
    error_message: str | None = None
    hangup_cause: str | None = None
    answered_by: str | None = None
    scenario: str | None = None
    transcript: list[Segment] = field(default_factory=list)
    client_name: str | None = None
    scheduled_at: float | None = None  # the first dial waits until then (None: dial at once)
    attempt_count: int = 0  # dial attempts started
    max_attempts: int = 1  # unanswered or failed attempts are redialled until this many were made
    # Moved (``touch(call)``) after every write to the fields above, so a reader can tell a
    # rendering of this call is current with one int compare (emulator/api/rendered.py).
    # Explicit, not a __setattr__ hook: a hook makes every construction and write several times
    # slower. Process-local: not an __init__ field, so snapshots and event copies leave it out.
    rev: int = field(default=0, init=False, compare=False, repr=False)


class Revisions:
    """The last revision handed out to any call: it moves with every write to any call, so one
    int compare tells a rendering of many calls (a list page) that none of them changed."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0


REVISIONS = Revisions()


def touch(call: Call) -> None:
    """After every write to a call's fields: a new revision, higher than any handed out before."""
    REVISIONS.last += 1
    call.rev = REVISIONS.last


@dataclass(slots=True)
class Segment:
    sequence_no: int
    role: str
    text: str
    started_at: float
    ended_at: float | None
    duration_ms: int | None
    source: str


@dataclass(slots=True)
class WebhookEndpoint:
    id: str
    org_id: str
    url: str
    signing_secret: str
    created_at: float
    updated_at: float
    description: str | None = None
    enabled_events: list[str] = field(default_factory=lambda: ["*"])
    status: str = "enabled"
    disabled_reason: str | None = None
    disabled_at: float | None = None
    consecutive_failures: int = 0


@dataclass(slots=True)
class Event:
    """A call lifecycle event, as published; ``call`` is a snapshot at the event."""

    type: str
    call: Call
    created: float


@dataclass(slots=True)
class Delivery:
    id: str
    org_id: str
    endpoint_id: str | None
    call_id: str | None
    event_type: str
    url: str
    event: Event
    created_at: float
    updated_at: float
    next_attempt_at: float
    status: str = "pending"
    attempt_count: int = 0
    manual_retry_count: int = 0
    last_error: str | None = None
    last_response_status: int | None = None
    delivered_at: float | None = None
    # The webhook format (by name) its attempts use: the dialect's at the event. "" (a snapshot
    # written before rows named one): the active dialect's.
    format: str = ""

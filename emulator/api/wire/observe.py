"""Wire models of the server-side waits (/_emulator/calls/{id}/wait, /_emulator/sinks/{name}/wait)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from emulator.api.callingbox.wire.calls import Call, Segment
from emulator.api.wire.common import Request, Response, Timestamp, UuidStr
from emulator.api.wire.control import AttemptOut
from emulator.api.callingbox.wire.webhooks import WebhookDelivery, WebhookEndpoint
from emulator.api.callingbox.events import EVENT_TYPES

STATUSES = ("queued", "initiated", "ringing", "in_progress", "busy", "canceled", "completed", "failed", "no_answer")
DAY = 86400.0

Status = Literal["queued", "initiated", "ringing", "in_progress", "busy", "canceled", "completed", "failed",
                 "no_answer"]
EventType = Literal["call.queued", "call.ringing", "call.answered", "call.completed", "call.failed",
                    "call.no_answer", "call.busy", "call.canceled"]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]

# Virtual seconds a wait may move the manual clock (or, realtime, let pass): 30 days by default,
# past every webhook retry; at most ten years.
MaxSeconds = Annotated[float, Field(gt=0, le=10 * 365 * DAY)]
# Real seconds a wait may hold its request open under the realtime clock.
Timeout = Annotated[float, Field(gt=0, le=300)]


class WaitForCall(Request):
    status: Status | None = None
    event: EventType | None = None
    max_seconds: MaxSeconds = 30 * DAY
    timeout: Timeout = 30


class WaitForWebhook(Request):
    type: EventType
    call_id: UuidStr | None = None
    max_seconds: MaxSeconds = 30 * DAY
    timeout: Timeout = 30


# -- what the dashboard reads (GET /_emulator/calls, /_emulator/calls/{id}, /_emulator/sinks) --------


class TimelineEvent(Response):
    type: str
    status: str
    created: Timestamp  # virtual time
    wall: Timestamp  # when it was published, by the real clock


class CallList(Response):
    data: list[Call]
    has_more: bool


class CallDetail(Response):
    call: Call
    transcript: list[Segment]
    events: list[TimelineEvent]
    deliveries: list[WebhookDelivery]
    attempts: list[AttemptOut]  # oldest first


class EndpointList(Response):
    data: list[WebhookEndpoint]


class SinkInfo(Response):
    name: str
    count: int
    last_received_at: Timestamp


class SinkList(Response):
    data: list[SinkInfo]

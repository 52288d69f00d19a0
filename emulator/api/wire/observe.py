"""Wire models of the server-side waits (/_emulator/calls/{id}/wait, /_emulator/sinks/{name}/wait)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo

from emulator.api.wire.common import Request, Response, Timestamp, UuidStr
from emulator.dialect import NEUTRAL
from emulator.webhooks.log import Attempt

STATUSES = ("queued", "initiated", "ringing", "in_progress", "busy", "canceled", "completed", "failed", "no_answer")
DAY = 86400.0

Status = Literal[
    "queued", "initiated", "ringing", "in_progress", "busy", "canceled", "completed", "failed", "no_answer"
]


def _event_name(value: str, info: ValidationInfo) -> str:
    """One of the dialect's event names (the HTTP layer passes its profile as the context)."""
    known = (info.context or {}).get("profile", NEUTRAL).event_types
    if value not in known:
        listed = ", ".join(map(repr, known[:-1])) + f" or {known[-1]!r}"
        raise ValueError(f"must be {listed}")
    return value


EventType = Annotated[str, AfterValidator(_event_name)]

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


# Calls, transcript segments, deliveries and endpoints are the dialect's own models, as its
# routes answer them (the dialect presents them; see emulator/api/dialects.py).


class CallList(Response):
    data: list[Any]
    has_more: bool


class CallDetail(Response):
    call: Any
    transcript: list[Any]
    events: list[TimelineEvent]
    deliveries: list[Any]
    attempts: list[Attempt]  # oldest first


class EndpointList(Response):
    data: list[Any]


class SinkInfo(Response):
    name: str
    count: int
    last_received_at: Timestamp


class SinkList(Response):
    data: list[SinkInfo]

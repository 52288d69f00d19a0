"""Wire models of the server-side waits (/_emulator/calls/{id}/wait, /_emulator/sinks/{name}/wait)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from emulator.api.wire.common import Request, UuidStr
from emulator.domain.records import EVENT_TYPES

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

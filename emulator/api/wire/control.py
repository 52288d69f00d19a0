"""Wire models of the /_emulator control plane."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    WrapSerializer,
    model_validator,
)

from emulator.api.wire.common import OptTimestamp, Request, Response, Timestamp, WholeNumber
from emulator.clock import Clock
from emulator.dialect import NEUTRAL
from emulator.omittable import Omittable
from emulator.realism import Switches, view
from emulator.webhooks.log import Attempt
from emulator.webhooks.sinks import Received


class ClockState(BaseModel):
    mode: str
    speed: float
    now: Timestamp
    unix: float


def clock_out(clock: Clock) -> ClockState:
    now = clock.now()
    return ClockState(mode=clock.mode, speed=clock.speed, now=now, unix=now)


class JobFailure(Response):
    at: Timestamp  # the virtual time the job was due
    step: str
    target: str | None
    error: str


class JobFailures(BaseModel):
    count: int  # since start (or the last reset)
    recent: list[JobFailure]  # the last 20, oldest first


class Health(BaseModel):
    status: str  # "ok", or "degraded" once a scheduled job has failed
    version: str
    clock: ClockState
    job_failures: JobFailures


class Org(Response):
    id: str
    name: str
    api_key: str
    default_signing_secret: str
    balance_milli_cents: int
    held_milli_cents: int
    created_at: Timestamp
    realism: Annotated[dict[str, Any], BeforeValidator(view)]  # every switch, null when off


class OrgList(BaseModel):
    data: list[Org]


class ResetResult(BaseModel):
    reset: bool
    default_org: Org


def _api_key(value: str, info: ValidationInfo) -> str:
    """The dialect's key format (the HTTP layer passes its profile as the validation context)."""
    profile = (info.context or {}).get("profile", NEUTRAL)
    if not re.fullmatch(profile.api_key_pattern, value):
        raise ValueError(profile.api_key_hint)
    return value


class CreateOrg(Request):
    name: Omittable[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = None
    api_key: Omittable[Annotated[str, AfterValidator(_api_key)]] = None
    balance_milli_cents: Omittable[Annotated[WholeNumber, Field(ge=0)]] = None


class UpdateOrg(Switches):
    """A balance and the realism switches (emulator/realism.py): each field given is set."""

    model_config = ConfigDict(extra="forbid", strict=True)
    balance_milli_cents: Omittable[Annotated[WholeNumber, Field(ge=0)]] = None

    @model_validator(mode="after")
    def _something(self) -> UpdateOrg:
        if not self.model_fields_set:
            raise ValueError(
                "give balance_milli_cents or a realism switch (rate_limit, max_concurrent_calls, "
                "calling_hours, do_not_call)"
            )
        return self


class SetClock(Request):
    mode: Literal["manual", "realtime"]
    speed: Omittable[Annotated[float, Field(gt=0, le=100000)]] = None


class Advance(Request):
    seconds: Annotated[float, Field(ge=0, le=10 * 365 * 86400)]


class Advanced(BaseModel):
    advanced_seconds: float
    jobs_run: int
    clock: ClockState


class ScenarioInfo(BaseModel):
    name: str
    description: str | None
    outcome: str
    match: dict[str, Any] | None
    source: str


class ScenarioList(BaseModel):
    data: list[ScenarioInfo]


class PlaceInboundCall(Request):
    from_: str = Field(alias="from")
    to: str
    scenario: Omittable[Annotated[str, StringConstraints(min_length=1)]] = None


class AttemptList(BaseModel):
    data: list[Attempt]  # the log's own records (emulator/webhooks/log.py)
    total_attempts: int


def _received(item: Received, fields: SerializerFunctionWrapHandler) -> dict[str, Any]:
    """A sink's record as its answer: its fields (emulator/webhooks/sinks.py) less ``seq`` (the
    arrival order that eviction uses), plus ``body``, parsed on read (JSON; the text when not
    JSON; null when the body was cut) so the sink keeps only the text its bound counts."""
    out: dict[str, Any] = fields(item)
    del out["seq"]
    out["body"] = item.body
    return out


ReceivedOut = Annotated[Received, WrapSerializer(_received)]
RECEIVED = TypeAdapter(ReceivedOut)


class ReceivedList(BaseModel):
    data: list[ReceivedOut]


class Cleared(BaseModel):
    cleared: bool = True


class Stepped(BaseModel):
    ran: bool
    clock: ClockState
    next_due: OptTimestamp


class RunUntilIdle(Request):
    max_seconds: Annotated[float, Field(gt=0, le=10 * 365 * 86400)] = 30 * 86400


class EventOut(BaseModel):
    type: str
    call_id: str
    org_id: str
    status: str
    created: Timestamp


class EventList(BaseModel):
    data: list[EventOut]

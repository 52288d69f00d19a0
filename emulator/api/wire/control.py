"""Wire models of the /_emulator control plane."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from emulator.api.wire.common import Request, Response, Timestamp
from emulator.clock import Clock


class ClockState(BaseModel):
    mode: str
    speed: float
    now: Timestamp
    unix: float


def clock_out(clock: Clock) -> ClockState:
    now = clock.now()
    return ClockState(mode=clock.mode, speed=clock.speed, now=now, unix=now)


class Health(BaseModel):
    status: str
    version: str
    clock: ClockState


class Org(Response):
    id: str
    name: str
    api_key: str
    default_signing_secret: str
    balance_milli_cents: int
    held_milli_cents: int
    created_at: Timestamp


class OrgList(BaseModel):
    data: list[Org]


class ResetResult(BaseModel):
    reset: bool
    default_org: Org


class CreateOrg(Request):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] = None  # type: ignore[assignment]
    api_key: Annotated[str, StringConstraints(pattern=r"^sk_[A-Za-z0-9_]{4,120}$")] = None  # type: ignore[assignment]
    balance_milli_cents: Annotated[int, Field(ge=0)] = None  # type: ignore[assignment]


class UpdateOrg(Request):
    balance_milli_cents: Annotated[int, Field(ge=0)]

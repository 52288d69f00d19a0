from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import StringConstraints

from emulator.api.wire.common import NonEmpty, OptTimestamp, Request, Response, Timestamp, UuidStr
from emulator.api.callingbox.wire.numbers import PhoneNumber

Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
VoicemailAction = Literal["hangup", "leave_message"]


class Agent(Response):
    id: str
    org_id: str
    user_id: str
    name: str
    type: str
    persona: str | None
    instructions: str | None
    voice: str
    language: str
    returns: dict[str, Any]
    tools: list[dict[str, Any]]
    webhook_url: str | None
    voicemail_action: str
    primary_number_id: str | None
    archived_at: OptTimestamp
    created_at: Timestamp
    updated_at: Timestamp
    numbers: list[PhoneNumber]


# Optional-but-not-nullable fields default to None without validating it, so an
# explicit null is rejected while leaving the key out is fine.
class CreateAgent(Request):
    name: Name
    type: Literal["inbound", "outbound"]
    persona: str | None = None
    instructions: str | None = None
    voice: NonEmpty = None  # type: ignore[assignment]
    language: NonEmpty = None  # type: ignore[assignment]
    returns: dict[str, str] = None  # type: ignore[assignment]
    tools: list[dict[str, Any]] = None  # type: ignore[assignment]
    webhook_url: NonEmpty | None = None
    voicemail_action: VoicemailAction = None  # type: ignore[assignment]
    number_ids: list[UuidStr] = None  # type: ignore[assignment]
    primary_number_id: UuidStr = None  # type: ignore[assignment]


class UpdateAgent(Request):
    name: Name = None  # type: ignore[assignment]
    persona: str | None = None
    instructions: str | None = None
    voice: NonEmpty = None  # type: ignore[assignment]
    language: NonEmpty = None  # type: ignore[assignment]
    returns: dict[str, str] = None  # type: ignore[assignment]
    tools: list[dict[str, Any]] = None  # type: ignore[assignment]
    webhook_url: NonEmpty | None = None
    voicemail_action: VoicemailAction = None  # type: ignore[assignment]


class AttachNumber(Request):
    number_id: UuidStr
    set_as_primary: bool = False


class SetPrimaryNumber(Request):
    number_id: UuidStr

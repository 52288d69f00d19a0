from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import StringConstraints

from emulator.api.callingbox.wire.numbers import PhoneNumber
from emulator.api.wire.common import NonEmpty, OptTimestamp, Request, Response, Timestamp, UuidStr
from emulator.omittable import Omittable

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
    voice: Omittable[NonEmpty] = None
    language: Omittable[NonEmpty] = None
    returns: Omittable[dict[str, str]] = None
    tools: Omittable[list[dict[str, Any]]] = None
    webhook_url: NonEmpty | None = None
    voicemail_action: Omittable[VoicemailAction] = None
    number_ids: Omittable[list[UuidStr]] = None
    primary_number_id: Omittable[UuidStr] = None


class UpdateAgent(Request):
    name: Omittable[Name] = None
    persona: str | None = None
    instructions: str | None = None
    voice: Omittable[NonEmpty] = None
    language: Omittable[NonEmpty] = None
    returns: Omittable[dict[str, str]] = None
    tools: Omittable[list[dict[str, Any]]] = None
    webhook_url: NonEmpty | None = None
    voicemail_action: Omittable[VoicemailAction] = None


class AttachNumber(Request):
    number_id: UuidStr
    set_as_primary: bool = False


class SetPrimaryNumber(Request):
    number_id: UuidStr

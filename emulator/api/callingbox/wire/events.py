"""The webhook envelope of the CallingBox dialect (docs: webhook-events)."""

from __future__ import annotations

from pydantic import BaseModel

from emulator.api.callingbox.wire.calls import Call
from emulator.domain.records import Delivery

API_VERSION = "2026-04"


class EventData(BaseModel):
    call: Call


class Envelope(BaseModel):
    id: str
    type: str
    created: int
    api_version: str
    data: EventData


def render_envelope(delivery: Delivery) -> bytes:
    """The body of every attempt of ``delivery``: the call as it was at the event."""
    event = delivery.event
    envelope = Envelope(
        id=delivery.id,
        type=event.type,
        created=int(event.created),
        api_version=API_VERSION,
        data=EventData(call=Call.model_validate(event.call, from_attributes=True)),
    )
    return envelope.__pydantic_serializer__.to_json(envelope)

"""The CallingBox dialect, assembled: its profile for the core, its routes, errors and contract."""

from __future__ import annotations

from emulator.api.callingbox import agents, calls, events, numbers, webhooks
from emulator.api.callingbox.errors import describe, render
from emulator.api.callingbox.webhook_format import FORMAT
from emulator.api.callingbox.wire.calls import Segment
from emulator.api.dialects import Dialect
from emulator.dialect import Profile

PROFILE = Profile(
    name="callingbox",
    default_api_key="sk_test_emulator",
    api_key_prefix="sk_test_",
    secret_prefix="whsec_",
    api_prefix="/v1",
    api_key_pattern=r"sk_[A-Za-z0-9_]{4,120}",
    api_key_hint="must be sk_ then 4-120 letters, digits or underscores (like sk_test_mykey)",
    default_prompt="Hello from CallingBox.",  # what SDK 0.1.0's prompt-based calls get without one
    event_types=events.EVENT_TYPES,
    events=events.events,
    webhook_format=FORMAT.name,
    formats={FORMAT.name: FORMAT},
    on_delivery=events.on_delivery,
)

DIALECT = Dialect(
    name="callingbox",
    profile=PROFILE,
    # Starlette tries routes in order (~1 µs each): the most polled ones, calls, go first.
    routes=[*calls.routes, *numbers.routes, *agents.routes, *webhooks.routes],
    render_error=render,
    describe_error=describe,
    openapi="openapi.yaml",  # at the top of the repository, shipped inside the package
    call_out=calls.call_out,
    segment_out=lambda s: Segment.model_validate(s, from_attributes=True),
    delivery_out=webhooks.delivery_out,
    endpoint_out=webhooks.endpoint_out,
    # Polled in loops by clients waiting on a call, and the create every test starts with.
    hot=(("GET", "/v1/calls/{call_id}"), ("GET", "/v1/calls"), ("POST", "/v1/calls")),
)

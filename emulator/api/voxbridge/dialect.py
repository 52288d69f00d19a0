"""The VoxBridge dialect, assembled: its profile for the core, its routes, errors and contracts.

``bind`` gives the dialect of one emulator: recording URLs (in the call object and in
``call.analyzed``) need the server's base URL and the org's secret.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel
from starlette.responses import Response

from emulator.api.dialects import Dialect
from emulator.api.voxbridge import profile as profiles
from emulator.api.voxbridge import records, routes, settings
from emulator.api.voxbridge.webhook_format import VoxBridgeFormat
from emulator.api.wire.common import OptTimestamp, Timestamp
from emulator.errors import EmulatorError


class Turn(BaseModel):
    role: str
    text: str
    started_at: Timestamp
    ended_at: OptTimestamp


class DeliveryOut(BaseModel):
    id: str
    call_id: str | None
    event_type: str
    url: str
    status: str
    attempt_count: int
    last_error: str | None
    last_response_status: int | None
    created_at: Timestamp
    delivered_at: OptTimestamp


class EndpointOut(BaseModel):  # VoxBridge has no webhook endpoints; the dashboard still asks
    id: str
    url: str
    status: str


def _profile(fmt: VoxBridgeFormat | None = None) -> Any:
    return replace(profiles.profile(fmt), on_change=records.on_change, on_org_created=records.signup)


def _render(exc: EmulatorError) -> Response:
    return routes.render_core(exc)


def bind(emulator: Any) -> Dialect:
    fmt = VoxBridgeFormat(recording_url=lambda call: routes.recording_url(emulator, call))
    return replace(DIALECT, profile=_profile(fmt), call_out=lambda call: routes.call_out(emulator, call), bind=None)


DIALECT = Dialect(
    name="voxbridge",
    profile=_profile(),
    routes=[*routes.routes, *settings.routes],
    # Polled in loops by clients waiting on a call, and the create every test starts with.
    hot=(("POST", "/v1/calls/outbound"), ("GET", "/v1/calls"), ("GET", "/v1/calls/{call_id}")),
    render_error=_render,
    describe_error=lambda exc: exc.message,
    openapi="api/voxbridge/openapi.yaml",  # inside the package: shipped in the wheel as it is
    call_out=lambda call: routes.call_out(None, call),
    segment_out=lambda s: Turn.model_validate(s, from_attributes=True),
    delivery_out=lambda d: DeliveryOut.model_validate(d, from_attributes=True),
    endpoint_out=lambda e: EndpointOut.model_validate(e, from_attributes=True),
    bind=bind,
    control_openapi="api/voxbridge/control-openapi.yaml",
)

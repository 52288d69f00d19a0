from __future__ import annotations

from typing import Literal

from emulator.api.wire.common import NonEmpty, OptTimestamp, Request, Response, Timestamp
from emulator.omittable import Omittable


class WebhookEndpoint(Response):
    id: str
    org_id: str
    url: str
    description: str | None
    enabled_events: list[str]
    status: str
    disabled_reason: str | None
    disabled_at: OptTimestamp
    consecutive_failures: int
    created_at: Timestamp
    updated_at: Timestamp


class WebhookEndpointWithSecret(WebhookEndpoint):
    """Only the create and rotate_secret responses show the secret."""

    signing_secret: str


class CreateWebhookEndpoint(Request):
    url: NonEmpty
    description: str | None = None
    enabled_events: Omittable[list[str]] = None


class UpdateWebhookEndpoint(Request):
    url: Omittable[NonEmpty] = None
    description: str | None = None
    enabled_events: Omittable[list[str]] = None
    status: Omittable[Literal["enabled", "disabled"]] = None


class WebhookDelivery(Response):
    id: str
    org_id: str
    endpoint_id: str | None
    call_id: str | None
    event_type: str
    url: str
    status: str
    attempt_count: int
    manual_retry_count: int
    next_attempt_at: Timestamp
    last_error: str | None
    last_response_status: int | None
    delivered_at: OptTimestamp
    created_at: Timestamp
    updated_at: Timestamp

from __future__ import annotations

from typing import Literal

from emulator.api.wire.common import NonEmpty, OptTimestamp, Request, Response, Timestamp


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
    enabled_events: list[str] = None  # type: ignore[assignment]


class UpdateWebhookEndpoint(Request):
    url: NonEmpty = None  # type: ignore[assignment]
    description: str | None = None
    enabled_events: list[str] = None  # type: ignore[assignment]
    status: Literal["enabled", "disabled"] = None  # type: ignore[assignment]


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

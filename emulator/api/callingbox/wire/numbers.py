from __future__ import annotations

from typing import Any, Literal

from emulator.api.wire.common import NonEmpty, Request, Response, Timestamp


class PhoneNumber(Response):
    id: str
    e164: str
    friendly_name: str | None
    country_code: str
    number_type: str
    status: str
    monthly_cost_cents: int
    purchased_at: Timestamp
    inbound_agent_id: str | None
    outbound_agent_ids: list[str]
    # Legacy inbound config, read by SDK 0.1.0.
    inbound_enabled: bool
    inbound_prompt: str | None
    inbound_returns: dict[str, Any] | None
    inbound_webhook_url: str | None
    inbound_language: str | None
    inbound_tools: list[dict[str, Any]] | None
    inbound_voicemail_action: str


class AvailableNumber(Response):
    phone_number: str
    country_code: str
    number_type: str
    state: str | None
    locality: str | None
    monthly_cost_cents: int
    upfront_cost_cents: int
    currency: str


class PurchaseNumber(Request):
    phone_number: str


class LegacyInboundConfig(Request):
    """SDK 0.1.0 always sends all seven keys; null clears a value."""

    enabled: bool
    prompt: str | None
    returns: dict[str, Any] | None
    webhook_url: NonEmpty | None
    language: NonEmpty | None
    tools: list[dict[str, Any]] | None
    voicemail_action: Literal["hangup", "leave_message"] | None

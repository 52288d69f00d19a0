"""The VoxBridge webhook format for the core's dispatcher (emulator.webhooks.format.Format):
flat envelope, ``X-Voice-Signature``, 15 s timeout, five attempts.

``recording_url`` gives a call's recording URL (it needs the server's base URL and the org's
secret, which a delivery does not carry): the wiring passes it in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from emulator.api.voxbridge import present, webhooks
from emulator.domain.records import Delivery
from emulator.webhooks.format import RetryPolicy
from emulator.webhooks.signing import SignatureError

NAME = "voxbridge"
# VoxBridge has no account endpoints to disable; the policy still needs a figure.
RETRY = RetryPolicy(delays=webhooks.DELAYS, jitter=webhooks.JITTER, auto_disable_after=10)


class VoxBridgeFormat:
    name = NAME
    timeout = webhooks.TIMEOUT
    retry = RETRY

    def __init__(self, recording_url: Callable[[Any], str | None] = lambda call: None) -> None:
        self.recording_url = recording_url

    def render(self, delivery: Delivery) -> bytes:
        """The body of every attempt: the call as it was at the event."""
        event, call = delivery.event, delivery.event.call
        fields = present.event_fields(call, self.recording_url(call))
        return webhooks.body(webhooks.envelope(event.type, delivery.org_id, call.id, event.created, fields))

    def headers(self, delivery: Delivery, body: bytes, secret: str, wall_time: int) -> dict[str, str]:
        # No timestamp in this scheme (docs: no replay window), so wall_time is unused.
        return {**webhooks.headers(secret, body), "User-Agent": "VoxBridge-Emulator-Webhooks/1"}

    def verify(self, headers: dict[str, str], body: bytes, secrets: list[str], now: float) -> str:
        given = headers.get(webhooks.HEADER.lower())
        if not given:
            raise SignatureError(f"no {webhooks.HEADER} header")
        for secret in secrets:
            if webhooks.verify(given, body, secret):
                return secret
        raise SignatureError("no signature matches any known secret")

    def identify(self, headers: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        """VoxBridge sends no event id, type or call id in headers (they are in the body)."""
        return None, None, None

    def identify_body(self, headers: dict[str, str], raw: bytes) -> tuple[str | None, str | None, str | None]:
        """(None, event, call_id) read from a received body: there is no event id (dedupe on
        call_id + event)."""
        try:
            data = json.loads(raw)
        except ValueError:
            return None, None, None
        if not isinstance(data, dict):
            return None, None, None
        event, call_id = data.get("event"), data.get("call_id")
        return None, event if isinstance(event, str) else None, call_id if isinstance(call_id, str) else None

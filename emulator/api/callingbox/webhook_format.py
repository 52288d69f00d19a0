"""The CallingBox webhook format: its envelope, headers, signature, timeout and retry schedule."""

from __future__ import annotations

from emulator.api.callingbox import retry, signing
from emulator.api.callingbox.wire.events import render_envelope
from emulator.domain.records import Delivery
from emulator.webhooks.format import RetryPolicy

NAME = "callingbox"
RETRY = RetryPolicy(delays=retry.DELAYS, jitter=retry.JITTER, auto_disable_after=retry.AUTO_DISABLE_AFTER)


class CallingBoxFormat:
    name = NAME
    timeout = None  # the emulator's --webhook-timeout (10 s by default, as documented)
    retry = RETRY

    def render(self, delivery: Delivery) -> bytes:
        return render_envelope(delivery)

    def headers(self, delivery: Delivery, body: bytes, secret: str, wall_time: int) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "CallingBox-Emulator-Webhooks/1",
            signing.HEADER: signing.header(secret, wall_time, body),
            "CallingBox-Event-Id": delivery.id,
            "CallingBox-Event-Type": delivery.event_type,
            "X-CallingBox-Event": delivery.event_type,
            "X-CallingBox-Call-Id": delivery.call_id or "",
        }

    def verify(self, headers: dict[str, str], body: bytes, secrets: list[str], now: float) -> str:
        given = headers.get(signing.HEADER.lower())
        if not given:
            raise signing.SignatureError(f"no {signing.HEADER} header")
        return signing.verify(given, body, secrets, now)

    def identify(self, headers: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        """(event id, event type, call id) of a received delivery, from its headers."""
        return (headers.get("callingbox-event-id"), headers.get("callingbox-event-type"),
                headers.get("x-callingbox-call-id"))


FORMAT = CallingBoxFormat()

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
    # Webhook chaos (emulator/webhooks/chaos.py): the signature has a t= to make stale, and
    # takes several v1= values (docs: during a rotation), so every knob applies.
    chaos_knobs = frozenset(
        {"duplicate", "reorder", "delay_seconds", "stale_timestamp_seconds", "bad_signature", "both_signatures"}
    )

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

    def sign_many(self, delivery: Delivery, body: bytes, secrets: list[str], wall_time: int) -> dict[str, str]:
        """The headers with one ``v1=`` per secret, in order (``t=...,v1=...,v1=...``)."""
        headers = self.headers(delivery, body, secrets[-1], wall_time)
        signatures = ",".join(f"v1={signing.signature(s, wall_time, body)}" for s in secrets)
        headers[signing.HEADER] = f"t={wall_time},{signatures}"
        return headers

    def verify(self, headers: dict[str, str], body: bytes, secrets: list[str], now: float) -> str:
        given = headers.get(signing.HEADER.lower())
        if not given:
            raise signing.SignatureError(f"no {signing.HEADER} header")
        return signing.verify(given, body, secrets, now)

    def identify(self, headers: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        """(event id, event type, call id) of a received delivery, from its headers."""
        return (
            headers.get("callingbox-event-id"),
            headers.get("callingbox-event-type"),
            headers.get("x-callingbox-call-id"),
        )


FORMAT = CallingBoxFormat()

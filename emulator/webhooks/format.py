"""A webhook format: what a dialect's deliveries look like on the wire and how they retry.

Each delivery row records its format by name; the dispatcher looks it up per delivery,
so two dialects' deliveries can share one dispatcher. ``NEUTRAL`` is the core's own
(plain JSON, a generic HMAC header) for an emulator built without a dialect.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Protocol

from emulator.domain.records import Delivery
from emulator.webhooks import signing


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    delays: tuple[float, ...]  # delay before attempt n (1-based); its length is the attempt count
    jitter: float  # +- this fraction of each delay, from the seeded stream
    auto_disable_after: int  # consecutive exhausted deliveries that disable an endpoint

    @property
    def max_attempts(self) -> int:
        return len(self.delays)

    def delay_before(self, attempt: int, rng: random.Random) -> float:
        return self.delays[attempt - 1] * (1 + rng.uniform(-self.jitter, self.jitter))


class Format(Protocol):
    name: str
    timeout: float | None  # seconds per attempt (not yet applied: the transport uses --webhook-timeout)
    retry: RetryPolicy

    def render(self, delivery: Delivery) -> bytes: ...

    def headers(self, delivery: Delivery, body: bytes, secret: str, wall_time: int) -> dict[str, str]: ...

    def verify(self, headers: dict[str, str], body: bytes, secrets: list[str], now: float) -> str:
        """The secret that signed ``body`` (raises ``signing.SignatureError`` otherwise)."""
        ...

    def identify(self, headers: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        """(event id, event type, call id) of a received delivery, from its headers."""
        ...


class NeutralFormat:
    name = "neutral"
    timeout = None
    retry = RetryPolicy(delays=(0, 60, 300), jitter=0.0, auto_disable_after=10)
    SIGNATURE = "X-Emulator-Signature"

    def render(self, delivery: Delivery) -> bytes:
        call = delivery.event.call
        return json.dumps(
            {"id": delivery.id, "type": delivery.event_type, "call_id": call.id, "status": call.status}
        ).encode()

    def headers(self, delivery: Delivery, body: bytes, secret: str, wall_time: int) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            self.SIGNATURE: signing.signature(secret, wall_time, body),
            "X-Emulator-Timestamp": str(wall_time),
            "X-Emulator-Event-Id": delivery.id,
            "X-Emulator-Event-Type": delivery.event_type,
        }

    def verify(self, headers: dict[str, str], body: bytes, secrets: list[str], now: float) -> str:
        given, stamp = headers.get(self.SIGNATURE.lower(), ""), headers.get("x-emulator-timestamp", "")
        if not stamp.isdigit():
            raise signing.SignatureError(f"no {self.SIGNATURE} timestamp")
        return signing.match(given, lambda s: signing.signature(s, int(stamp), body), secrets)

    def identify(self, headers: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        return headers.get("x-emulator-event-id"), headers.get("x-emulator-event-type"), None


NEUTRAL = NeutralFormat()

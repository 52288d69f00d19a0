"""Built-in webhook receivers: POST to /_emulator/sinks/{name}, read back what arrived.

Each delivery is checked against every secret the emulator knows (each org's
default secret and each endpoint's current one), so a test sees at once
whether what it received would verify in production.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from emulator.domain.context import Context
from emulator.webhooks import signing

MAX_SINKS = 100
MAX_PER_SINK = 1000


@dataclass(slots=True)
class Received:
    sink: str
    received_at: float
    event_id: str | None
    event_type: str | None
    call_id: str | None
    headers: dict[str, str]
    body: Any
    verified: bool
    verified_with: str | None
    org_id: str | None
    error: str | None


class Sinks:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._sinks: dict[str, deque[Received]] = {}

    def receive(self, name: str, headers: dict[str, str], raw: bytes) -> Received:
        verified_with, org_id, error = self._verify(headers.get("callingbox-signature"), raw)
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        item = Received(
            sink=name, received_at=self.ctx.clock.now(),
            event_id=headers.get("callingbox-event-id"), event_type=headers.get("callingbox-event-type"),
            call_id=headers.get("x-callingbox-call-id"), headers=headers, body=body,
            verified=verified_with is not None, verified_with=verified_with, org_id=org_id, error=error,
        )
        if name not in self._sinks and len(self._sinks) >= MAX_SINKS:
            self._sinks.pop(next(iter(self._sinks)))  # forget the oldest sink
        self._sinks.setdefault(name, deque(maxlen=MAX_PER_SINK)).append(item)
        return item

    def _verify(self, header: str | None, raw: bytes) -> tuple[str | None, str | None, str | None]:
        if not header:
            return None, None, "no CallingBox-Signature header"
        known: dict[str, tuple[str, str]] = {}
        for org in self.ctx.store.orgs.oldest_first():
            known[org.default_signing_secret] = ("org default secret", org.id)
            for endpoint in org.endpoints.oldest_first():
                known[endpoint.signing_secret] = (f"endpoint {endpoint.id}", org.id)
        try:
            secret = signing.verify(header, raw, list(known), self.ctx.clock.wall_now())
        except signing.SignatureError as exc:
            return None, None, str(exc)
        label, org_id = known[secret]
        return label, org_id, None

    def items(self, name: str) -> list[Received]:
        return list(self._sinks.get(name, ()))

    def clear(self, name: str) -> None:
        self._sinks.pop(name, None)

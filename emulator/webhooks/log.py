"""Every webhook attempt, as sent and as answered; bounded, clearable."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from emulator.domain.records import Delivery
from emulator.webhooks.transport import Outcome

DEFAULT_LIMIT = 10_000


@dataclass(slots=True)
class Attempt:
    delivery_id: str
    org_id: str
    endpoint_id: str | None
    call_id: str | None
    event_type: str
    url: str
    attempt: int
    manual: bool
    sent_at: float
    request_headers: dict[str, str]
    request_body: str
    response_status: int | None
    response_body: str
    error: str | None
    latency_ms: float

    @classmethod
    def of(cls, d: Delivery, manual: bool, sent_at: float, headers: dict[str, str], body: bytes,
           outcome: Outcome) -> "Attempt":
        return cls(
            delivery_id=d.id, org_id=d.org_id, endpoint_id=d.endpoint_id, call_id=d.call_id,
            event_type=d.event_type, url=d.url, attempt=d.attempt_count, manual=manual, sent_at=sent_at,
            request_headers=headers, request_body=body.decode(), response_status=outcome.status,
            response_body=outcome.response_body, error=outcome.error, latency_ms=outcome.latency_ms,
        )


class AttemptLog:
    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._items: deque[Attempt] = deque(maxlen=limit)
        self.total = 0

    def add(self, attempt: Attempt) -> None:
        self._items.append(attempt)
        self.total += 1

    def items(self) -> list[Attempt]:
        return list(self._items)

    def clear(self) -> None:
        self._items.clear()

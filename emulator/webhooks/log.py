"""Every webhook attempt, as sent and as answered; bounded in entries and in bytes, clearable.

A request body is kept up to BODY_KEEP bytes (the item says when it was cut, and
how long it was); the log as a whole keeps at most ``max_bytes``, dropping the
oldest attempts first, so a few huge payloads cannot hold memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.domain.records import Delivery
from emulator.instants import Timestamp
from emulator.webhooks.transport import Outcome

DEFAULT_LIMIT = 10_000  # attempts
DEFAULT_MAX_BYTES = 32 * 1024 * 1024  # of kept bodies, headers and fields, all attempts together
BODY_KEEP = 64 * 1024  # request body bytes kept per attempt
OVERHEAD = 512  # bytes counted per attempt for its fixed fields


@dataclass(slots=True)
class Attempt:
    """One attempt, and also its answer on the control plane (GET /_emulator/deliveries,
    the event stream, the dashboard): pydantic writes it from these fields and annotations."""

    delivery_id: str
    org_id: str
    endpoint_id: str | None
    call_id: str | None
    event_type: str
    url: str
    attempt: int
    manual: bool
    sent_at: Timestamp
    request_headers: dict[str, str]
    request_body: str
    request_body_bytes: int  # the whole body as sent
    request_body_truncated: bool  # request_body holds only its first BODY_KEEP bytes
    response_status: int | None
    response_body: str
    error: str | None
    latency_ms: float
    late: bool = False  # its outcome landed after the clock had stopped waiting for it
    chaos: list[dict[str, str]] = field(default_factory=list)  # what webhook chaos did to it, and why

    @classmethod
    def of(
        cls,
        d: Delivery,
        manual: bool,
        sent_at: float,
        headers: dict[str, str],
        body: bytes,
        outcome: Outcome,
        late: bool = False,
        chaos: list[dict[str, str]] | None = None,
    ) -> Attempt:
        truncated = len(body) > BODY_KEEP
        kept = body[:BODY_KEEP].decode("utf-8", errors="ignore") if truncated else body.decode()
        return cls(
            delivery_id=d.id,
            org_id=d.org_id,
            endpoint_id=d.endpoint_id,
            call_id=d.call_id,
            event_type=d.event_type,
            url=d.url,
            attempt=d.attempt_count,
            manual=manual,
            sent_at=sent_at,
            request_headers=headers,
            request_body=kept,
            request_body_bytes=len(body),
            request_body_truncated=truncated,
            response_status=outcome.status,
            response_body=outcome.response_body,
            error=outcome.error,
            latency_ms=outcome.latency_ms,
            late=late,
            chaos=chaos or [],
        )

    def size(self) -> int:
        """Bytes it holds, near enough: the kept body exactly, other text by length, fixed fields as OVERHEAD."""
        return (
            OVERHEAD
            + min(self.request_body_bytes, BODY_KEEP)
            + len(self.response_body)
            + len(self.url)
            + len(self.error or "")
            + sum(len(v) for v in self.request_headers.values())
            + sum(len(a["why"]) + len(a["action"]) for a in self.chaos)
        )


class AttemptLog:
    def __init__(self, limit: int = DEFAULT_LIMIT, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.limit, self.max_bytes = limit, max_bytes
        self._items: deque[tuple[Attempt, int]] = deque()
        self.bytes = 0  # held now
        self.total = 0  # ever added
        self.evicted = 0  # dropped to stay within the limits
        self.on_add: list[Callable[[Attempt], object]] = []  # the event stream listens

    def add(self, attempt: Attempt) -> None:
        size = attempt.size()
        self._items.append((attempt, size))
        self.bytes += size
        self.total += 1
        while len(self._items) > self.limit or (self.bytes > self.max_bytes and len(self._items) > 1):
            _, dropped = self._items.popleft()
            self.bytes -= dropped
            self.evicted += 1
        for fn in self.on_add:
            fn(attempt)

    def items(self) -> list[Attempt]:
        return [attempt for attempt, _ in self._items]

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

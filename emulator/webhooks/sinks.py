"""Built-in webhook receivers: POST to /_emulator/sinks/{name}, read back what arrived.

Each delivery is checked against every secret the emulator knows (each org's
default secret and each endpoint's current one), so a test sees at once
whether what it received would verify in production.

The raw body is kept as text beside the parsed one, so a test can check a
signature over exactly the bytes that arrived (JSON re-serialised compactly is
not always the same text). Memory is bounded in bytes as well as entries: each
item keeps at most MAX_ITEM_BYTES of body, all sinks together at most
MAX_TOTAL_BYTES, and the oldest items go first. Only the raw text is stored;
the parsed body is derived from it when read.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.domain.context import Context
from emulator.instants import Timestamp
from emulator.webhooks import signing
from emulator.webhooks.format import Format

MAX_SINKS = 100
MAX_PER_SINK = 1000
MAX_ITEM_BYTES = 256 * 1024  # a real webhook is a few KiB
MAX_TOTAL_BYTES = 32 * 1024 * 1024


@dataclass(slots=True)
class Received:
    sink: str
    seq: int  # arrival order across all sinks: the oldest is evicted first
    received_at: Timestamp
    event_id: str | None
    event_type: str | None
    call_id: str | None
    headers: dict[str, str]
    raw_body: str  # the body as text (UTF-8), cut at MAX_ITEM_BYTES
    body_bytes: int  # the size of the body as it arrived
    truncated: bool
    verified: bool  # checked over the whole body, before any cut
    verified_with: str | None
    org_id: str | None
    error: str | None

    @property
    def body(self) -> Any:
        """The parsed JSON body; the text when it is not JSON; null when it was cut."""
        if self.truncated or not self.raw_body:
            return None
        try:
            return json.loads(self.raw_body)
        except ValueError:
            return self.raw_body

    @property
    def size(self) -> int:
        return len(self.raw_body) + sum(len(k) + len(v) for k, v in self.headers.items())


class Sinks:
    def __init__(self, ctx: Context, format_of: Callable[[], Format], max_total_bytes: int = MAX_TOTAL_BYTES) -> None:
        self.ctx = ctx
        self.format_of = format_of  # the active dialect's webhook format: verifies and identifies
        self.max_total_bytes = max_total_bytes
        self._sinks: dict[str, deque[Received]] = {}
        self._bytes = 0
        self._seq = 0

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def receive(self, name: str, headers: dict[str, str], raw: bytes) -> Received:
        verified_with, org_id, error = self._verify(headers, raw)
        fmt = self.format_of()
        by_body = getattr(fmt, "identify_body", None)  # a format that names its event in the body only
        event_id, event_type, call_id = by_body(headers, raw) if by_body else fmt.identify(headers)
        self._seq += 1
        item = Received(
            sink=name,
            seq=self._seq,
            received_at=self.ctx.clock.now(),
            event_id=event_id,
            event_type=event_type,
            call_id=call_id,
            headers=headers,
            raw_body=raw[:MAX_ITEM_BYTES].decode("utf-8", "replace"),
            body_bytes=len(raw),
            truncated=len(raw) > MAX_ITEM_BYTES,
            verified=verified_with is not None,
            verified_with=verified_with,
            org_id=org_id,
            error=error,
        )
        if name not in self._sinks and len(self._sinks) >= MAX_SINKS:
            self._drop_sink(next(iter(self._sinks)))  # forget the oldest sink
        kept = self._sinks.setdefault(name, deque())
        kept.append(item)
        self._bytes += item.size
        if len(kept) > MAX_PER_SINK:
            self._bytes -= kept.popleft().size
        while self._bytes > self.max_total_bytes:
            self._evict_oldest()
        return item

    def _evict_oldest(self) -> None:
        # The oldest item overall is the first of some sink (at most MAX_SINKS to look at).
        name = min(self._sinks, key=lambda n: self._sinks[n][0].seq)
        kept = self._sinks[name]
        self._bytes -= kept.popleft().size
        if not kept:
            del self._sinks[name]

    def _drop_sink(self, name: str) -> None:
        for item in self._sinks.pop(name, ()):
            self._bytes -= item.size

    def _verify(self, headers: dict[str, str], raw: bytes) -> tuple[str | None, str | None, str | None]:
        known: dict[str, tuple[str, str]] = {}
        for org in self.ctx.store.orgs.oldest_first():
            known[org.default_signing_secret] = ("org default secret", org.id)
            for endpoint in org.endpoints.oldest_first():
                known[endpoint.signing_secret] = (f"endpoint {endpoint.id}", org.id)
        try:
            secret = self.format_of().verify(headers, raw, list(known), self.ctx.clock.wall_now())
        except signing.SignatureError as exc:
            return None, None, str(exc)
        label, org_id = known[secret]
        return label, org_id, None

    def items(self, name: str) -> list[Received]:
        return list(self._sinks.get(name, ()))

    def names(self) -> list[tuple[str, int, float]]:
        """(name, items kept, when the last arrived) per sink, the most recently used first."""
        found = [(name, len(kept), kept[-1].received_at, kept[-1].seq) for name, kept in self._sinks.items() if kept]
        return [(name, count, last) for name, count, last, _ in sorted(found, key=lambda f: -f[3])]

    def clear(self, name: str) -> None:
        self._drop_sink(name)

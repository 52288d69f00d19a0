"""VoxBridge webhooks: flat envelope, ``X-Voice-Signature: sha256=<hex>``, 15 s timeout,
a retry schedule on the virtual clock, and the receivers' dedupe key.

Stdlib only, pure: the dispatcher sends what these functions render.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from datetime import UTC, datetime
from typing import Any

EVENTS = ("call.queued", "call.ended", "call.analyzed")
HEADER = "X-Voice-Signature"
PREFIX = "sha256="
TIMEOUT = 15.0  # seconds per attempt (docs)
# Not documented: five attempts, the first at once, then 30 s, 2 min, 10 min, 1 h later,
# each +-10 % from the seeded source (receivers that fail together do not retry together).
DELAYS = (0.0, 30.0, 120.0, 600.0, 3600.0)
MAX_ATTEMPTS = len(DELAYS)
JITTER = 0.1
# Fields each event adds to the envelope. `metadata` is in every event ("echoed in
# webhooks"); call.ended also says why a call failed and how many attempts it took.
FIELDS = {
    "call.queued": ("to", "status", "metadata"),
    "call.ended": ("status", "duration_seconds", "disposition", "error_message", "attempt_count", "metadata"),
    "call.analyzed": ("transcript", "structured_answers", "recording_url", "metadata"),
}


def timestamp(ts: float) -> str:
    """The envelope's form, always with microseconds: ``2026-06-01T14:30:00.123456+00:00``."""
    whole, micros = divmod(round(ts * 1_000_000), 1_000_000)
    return datetime.fromtimestamp(whole, UTC).replace(microsecond=micros).isoformat(timespec="microseconds")


def envelope(event: str, org_id: str, call_id: str, at: float, fields: dict[str, Any]) -> dict[str, Any]:
    """``event``, ``org_id``, ``call_id``, ``timestamp``, then the event's own fields at the
    top level (no ``data``). ``fields`` holds the call's values by VoxBridge name (``to`` is
    the number dialled); every field the event carries must be there."""
    if event not in FIELDS:
        raise ValueError(f"unknown VoxBridge event {event!r}")
    missing = [name for name in FIELDS[event] if name not in fields]
    if missing:
        raise KeyError(f"{event} needs {missing}")
    body = {"event": event, "org_id": org_id, "call_id": call_id, "timestamp": timestamp(at)}
    body.update((name, fields[name]) for name in FIELDS[event])
    return body


def body(payload: dict[str, Any]) -> bytes:
    """The raw bytes sent and signed: compact UTF-8 JSON, keys in envelope order."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def signature(secret: str, raw: bytes) -> str:
    return PREFIX + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def headers(secret: str, raw: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", HEADER: signature(secret, raw)}


def verify(header: str | None, raw: bytes, secret: str) -> bool:
    """True when ``header`` is the signature of ``raw`` under ``secret`` (constant time)."""
    if not header:
        return False
    return hmac.compare_digest(header.strip().encode(), signature(secret, raw).encode())


def delay_before(attempt: int, rng: random.Random) -> float:
    """Seconds to wait before attempt ``attempt`` (1-based) once the one before it failed
    (0 for the first), jittered."""
    if not 1 <= attempt <= MAX_ATTEMPTS:
        raise ValueError(f"attempt {attempt} is outside 1..{MAX_ATTEMPTS}")
    base = DELAYS[attempt - 1]
    return base * (1 + rng.uniform(-JITTER, JITTER))


def succeeded(status: int | None) -> bool:
    """Any 2xx is success (docs); a timeout or a refused connection is ``None``: a failure."""
    return status is not None and 200 <= status < 300


def dedupe_key(call_id: str, event: str) -> str:
    """What receivers dedupe on (docs: ``call_id`` + ``event``; there is no event id)."""
    return f"{call_id}:{event}"


def destination(call_webhook_url: str | None, org_webhook_url: str | None) -> str | None:
    """The per-call URL replaces the org's for every event of the call; neither: no delivery."""
    return call_webhook_url or org_webhook_url

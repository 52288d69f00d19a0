"""Domain errors. No HTTP here: each dialect renders a ``kind`` as its own status and body.

``kind`` is one of KINDS; ``field`` is the request field at fault, when one is (given, or
read from a message of the form ``"<field>: ..."``), so a dialect can point at it.
"""

from __future__ import annotations

import re
from typing import Any

KINDS = (
    "validation",
    "auth",
    "quota",
    "not_found",
    "conflict",
    "timeout",
    "too_large",
    "media_type",
    "provider",
    "rate_limited",
)
_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_.\[\]]*): ")


class EmulatorError(Exception):
    """Base class; ``message`` is what the client reads (in the dialect's error shape)."""

    kind = "validation"

    def __init__(self, message: str, field: str | None = None, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        found = _FIELD.match(message)
        self.field = field or (found.group(1) if found else None)
        # Facts a dialect may word its own message from (amounts, limits), beside the neutral message.
        self.detail = detail or {}


class InvalidRequest(EmulatorError):
    """Malformed input or a broken rule (a conflict is a 400 in this API)."""


class Conflict(InvalidRequest):
    """A rule about the current state (a duplicate, a resource in use); renders like InvalidRequest
    unless the dialect says otherwise."""

    kind = "conflict"


class Unauthorized(EmulatorError):
    """Missing or unknown API key."""

    kind = "auth"


class NotFound(EmulatorError):
    """Unknown id, or an id that belongs to another org."""

    kind = "not_found"

    @classmethod
    def of(cls, kind: str, ident: str) -> NotFound:
        return cls(f"{kind} {ident} not found")


class InsufficientCredits(EmulatorError):
    """The balance (or quota) is below what a call needs."""

    kind = "quota"


class PayloadTooLarge(EmulatorError):
    """A request body over the size limit."""

    kind = "too_large"


class RequestTimeout(EmulatorError):
    """A request body that did not arrive in time (a stalled or trickling client)."""

    kind = "timeout"


class UnsupportedMediaType(EmulatorError):
    """A body that is not JSON (or YAML where YAML is expected)."""

    kind = "media_type"


class ProviderRefused(EmulatorError):
    """The (simulated) telephony provider could not place the call."""

    kind = "provider"

"""Domain errors. No HTTP here: ``api/errors.py`` maps each class to a status."""

from __future__ import annotations


class EmulatorError(Exception):
    """Base class; ``message`` is what the client reads in ``{"error": ...}``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(EmulatorError):
    """Malformed input or a broken rule (a conflict is a 400 in this API)."""


class Unauthorized(EmulatorError):
    """Missing or unknown API key."""


class NotFound(EmulatorError):
    """Unknown id, or an id that belongs to another org."""

    @classmethod
    def of(cls, kind: str, ident: str) -> "NotFound":
        return cls(f"{kind} {ident} not found")


class InsufficientCredits(EmulatorError):
    """The balance is below the per-call hold."""


class PayloadTooLarge(EmulatorError):
    """A request body over the size limit."""


class RequestTimeout(EmulatorError):
    """A request body that did not arrive in time (a stalled or trickling client)."""


class UnsupportedMediaType(EmulatorError):
    """A body that is not JSON (or YAML where YAML is expected)."""


class ProviderRefused(EmulatorError):
    """The (simulated) telephony provider could not place the call."""

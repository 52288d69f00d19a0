"""The one VoxBridge error shape, FastAPI's: ``{"detail": "..."}``, and for 422 a list of
``{"loc", "msg", "type"}`` issues.

The docs give no error body, but the service is a FastAPI app (422 for validation, a
``token_type: "bearer"`` login, Python workers): its clients are written against FastAPI's
defaults, so the emulator answers in exactly those. ``input`` is left out of each issue (it
could echo a megabyte back), and at most MAX_ISSUES are listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from emulator.errors import EmulatorError

MAX_ISSUES = 20

STATUS = {
    "validation": 422,
    "bad_request": 400,
    "conflict": 400,
    "auth": 401,
    "quota": 402,
    "not_found": 404,
    "method": 405,
    "timeout": 408,
    "too_large": 413,
    "range": 416,
    "media_type": 415,
    "provider": 502,
    "rate_limited": 429,  # a realism switch (rate limit, calls in flight): an emulator extension
}

NO_DEFAULT_AGENT = "No default agent configured"
QUOTA_REACHED = "Monthly minute limit reached"
AGENT_NOT_FOUND = "Agent not found or inactive"
CALL_NOT_FOUND = "Call not found"
RECORDING_NOT_FOUND = "Recording not found"
MISSING_KEY = "Not authenticated: send Authorization: Bearer sk_live_..."
INVALID_KEY = "Invalid API key"
PROVIDER_REFUSED = "Telephony provider could not place the call"
RANGE_NOT_SATISFIABLE = "Requested range is past the end of the recording"


class VoxError(Exception):
    """A refusal, dialect-shaped: ``kind`` picks the status, ``field`` the 422 ``loc``."""

    def __init__(
        self, kind: str, message: str, field: str | Sequence[str | int] | None = None, type_: str = "value_error"
    ) -> None:
        if kind not in STATUS:
            raise ValueError(f"unknown error kind {kind!r}")
        super().__init__(message)
        self.kind, self.message, self.field, self.type = kind, message, field, type_


def _loc(field: str | Sequence[str | int] | None) -> list[str | int]:
    if field is None:
        return ["body"]
    if isinstance(field, str):
        return ["body", field]
    return list(field)


def render(
    kind: str, message: str, field: str | Sequence[str | int] | None = None, type_: str = "value_error"
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, extra headers) for one refusal."""
    status = STATUS[kind]
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if status == 422:
        return status, {"detail": [issue(_loc(field), message, type_)]}, headers
    return status, {"detail": message}, headers


def render_error(error: VoxError) -> tuple[int, dict[str, Any], dict[str, str]]:
    return render(error.kind, error.message, error.field, error.type)


def from_domain(exc: EmulatorError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A core error (``kind``, ``message``, ``field``) in this dialect's shape. A conflict is
    a 400 here too (no 409 is documented). After a 408 the connection closes: api/errors.py
    does that for every dialect."""
    kind = exc.kind if exc.kind in STATUS else "bad_request"
    field = None if exc.field is None else ["body", *exc.field.split(".")]
    return render(kind, exc.message, field)


def issue(loc: Sequence[str | int], msg: str, type_: str) -> dict[str, Any]:
    return {"loc": list(loc), "msg": msg, "type": type_}


def validation_body(exc: ValidationError, where: str = "body") -> dict[str, Any]:
    """A pydantic error as FastAPI renders it: every issue, ``loc`` prefixed with where it was."""
    issues = [
        issue([where, *e["loc"]], e["msg"], e["type"])
        for e in exc.errors(include_url=False, include_input=False)[:MAX_ISSUES]
    ]
    return {"detail": issues}

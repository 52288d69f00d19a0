"""CallingBox's error rendering: one status per error kind and the ``{"error": "..."}`` body."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from emulator.domain.money import dollars
from emulator.errors import EmulatorError

# A conflict is a 400 in this API (no 409 is documented), as is every validation failure.
STATUS = {
    "validation": 400,
    "conflict": 400,
    "auth": 401,
    "quota": 402,
    "not_found": 404,
    "timeout": 408,
    "too_large": 413,
    "media_type": 415,
    "provider": 502,
    "rate_limited": 429,  # a realism switch (rate limit, calls in flight): an emulator extension
}


def describe(exc: EmulatorError) -> str:
    """The message in CallingBox's words: its credits prose (docs: "Calls paused"), else the core's."""
    reason, facts = exc.detail.get("reason"), exc.detail
    if reason == "call_hold":
        available, hold = facts["available_milli_cents"], facts["required_milli_cents"]
        return (
            f"Calls paused. Your balance is {dollars(available, up=False)} but each call requires a "
            f"{dollars(hold)} hold (we release it back if no one answers). "
            f"Add {dollars(hold - available)} or more in credits to keep calling."
        )
    if reason == "number_cost":
        return (
            f"Insufficient credits. Your balance is {dollars(facts['available_milli_cents'], up=False)} "
            f"but this number costs {dollars(facts['required_milli_cents'])} per month."
        )
    return exc.message


def render(exc: EmulatorError) -> Response:
    # (After a 408 the connection closes: api/errors.py does that for every dialect.)
    return JSONResponse({"error": describe(exc)}, status_code=STATUS.get(exc.kind, 400))

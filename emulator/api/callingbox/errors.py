"""CallingBox's error rendering: one status per error kind and the ``{"error": "..."}`` body."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

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
}


def render(exc: EmulatorError) -> Response:
    status = STATUS.get(exc.kind, 400)
    # After a 408 the rest of the body may still come: close rather than read it as a request.
    headers = {"connection": "close"} if status == 408 else None
    return JSONResponse({"error": exc.message}, status_code=status, headers=headers)

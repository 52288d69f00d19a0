"""Errors over HTTP: the active dialect renders domain errors on its own routes; the control
plane (and every route-level 404/405) answers in the emulator's own ``{"error": "..."}`` shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator import errors

if TYPE_CHECKING:
    from emulator.api.dialects import Dialect

# The control plane's status per error kind.
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
    "rate_limited": 429,
}


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def on_emulator_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.EmulatorError)
    dialect: Dialect | None = getattr(request.app.state, "dialect", None)
    if dialect is not None and dialect.profile.is_api(request.url.path):
        response = dialect.render_error(exc)
    else:
        message = dialect.describe_error(exc) if dialect is not None else exc.message
        response = error_response(STATUS.get(exc.kind, 400), message)
    if exc.kind == "timeout":
        # The rest of a late body may still come: close rather than read it as a request (every shape).
        response.headers["connection"] = "close"
    return response


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        path = request.url.path
        message = f"no route {request.method} {path}"
        if len(path) > 1 and path.endswith("/"):
            message += f" (paths have no trailing slash: {path.rstrip('/')})"
        dialect: Dialect | None = getattr(request.app.state, "dialect", None)
        if dialect is not None and dialect.profile.is_api(path):  # under its prefix: its error shape
            return dialect.render_error(errors.NotFound(message))
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return error_response(exc.status_code, message, exc.headers)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    # Never expected: every input has a 4xx. Still answer in the envelope.
    return error_response(500, f"internal emulator error: {type(exc).__name__}: {exc}")


HANDLERS = {
    errors.EmulatorError: on_emulator_error,
    HTTPException: on_http_error,
    Exception: on_unexpected,
}

"""The bridge between HTTP and the domain: bodies in, models out, queries checked.

Handlers use only these helpers, so every route parses, validates and answers
the same way.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.api.wire.common import UUID_PATTERN
from emulator.domain.store import Org
from emulator.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from emulator.runtime import Emulator

M = TypeVar("M", bound=BaseModel)
UUID = re.compile(UUID_PATTERN)


def emulator(request: Request) -> Emulator:
    return request.app.state.emulator


def org(request: Request) -> Org:
    return emulator(request).services.orgs.authenticate(request.headers.get("authorization"))


def respond(model: BaseModel, status: int = 200) -> Response:
    return Response(model.__pydantic_serializer__.to_json(model), status, media_type="application/json")


async def body_bytes(request: Request) -> bytes:
    limit = emulator(request).config.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is over the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_object(request: Request, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object ({} when absent and not required)."""
    raw = await body_bytes(request)
    if not raw.strip():
        if required:
            raise InvalidRequest("request body is required: send a JSON object")
        return {}
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType(f"Content-Type must be application/json (got {media or 'none'})")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRequest(f"request body must be a JSON object, not {type(data).__name__}")
    return data


async def no_body(request: Request) -> None:
    """Body-less operations accept nothing, or an empty JSON object."""
    if await json_object(request, required=False):
        raise InvalidRequest("this operation takes no request body")


def parse(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    kind, msg = first["type"], first["msg"]
    if first.get("input", ...) is None and kind.endswith("_type"):
        kind, msg = "null", ""
    plain = {
        "missing": "is required",
        "null": "must not be null",
        "extra_forbidden": "is not a known field",
        "string_type": "must be a string",
        "int_type": "must be an integer",
        "float_type": "must be a number",
        "bool_type": "must be a boolean",
        "dict_type": "must be a JSON object",
        "list_type": "must be an array",
        "literal_error": msg.replace("Input should be", "must be"),
        "string_pattern_mismatch": "is not a valid id (expected a UUID)",
    }.get(kind)
    if plain is None:
        plain = msg.removeprefix("Value error, ")
    extra = len(exc.errors()) - 1
    return f"{where}: {plain}" + (f" (and {extra} more problem{'s' * (extra > 1)})" if extra else "")


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[+-]?\d{1,12}", raw.strip()) or not low <= int(raw) <= high:
        raise InvalidRequest(f"{name}: must be an integer from {low} to {high} (got {raw!r})")
    return int(raw)


def query_choice(request: Request, name: str, choices: tuple[str, ...]) -> str | None:
    raw = request.query_params.get(name)
    if raw is not None and raw not in choices:
        raise InvalidRequest(f"{name}: must be one of {', '.join(choices)} (got {raw!r})")
    return raw


def query_id(request: Request, name: str) -> str | None:
    raw = request.query_params.get(name)
    if raw is not None and not UUID.match(raw):
        raise InvalidRequest(f"{name}: {raw!r} is not a valid id (expected a UUID)")
    return raw


def page_params(request: Request, default: int = 25, high: int = 100) -> dict[str, Any]:
    return {
        "limit": query_int(request, "limit", default, 1, high),
        "starting_after": query_id(request, "starting_after"),
        "ending_before": query_id(request, "ending_before"),
    }


def route(path: str, **handlers: Any) -> Route:
    """One Route per path, so a wrong method gets 405 with the full ``Allow`` list."""
    table = {method.upper(): fn for method, fn in handlers.items()}
    if "GET" in table:
        table["HEAD"] = table["GET"]

    async def endpoint(request: Request) -> Response:
        return await table[request.method](request)

    endpoint.__name__ = "_".join(fn.__name__ for fn in handlers.values())
    return Route(path, endpoint, methods=list(table))

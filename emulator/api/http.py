"""The bridge between HTTP and the domain: bodies in, models out, queries checked.

Handlers use only these helpers, so every route parses, validates and answers
the same way.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.api.wire.common import UUID_PATTERN
from emulator.domain.store import Org
from emulator.errors import InvalidRequest, PayloadTooLarge, RequestTimeout, UnsupportedMediaType
from emulator.runtime import Emulator

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
UUID = re.compile(UUID_PATTERN)
# Well under the serializer's own limit, so whatever is accepted can be answered back.
MAX_JSON_DEPTH = 100


ORG_KEY = "emulator.org"  # the org the front found for the request's key (api/front.py)


def emulator(request: Request) -> Emulator:
    found: Emulator = request.scope["app"].emulator  # create_app's; see there
    return found


def dialect(request: Request) -> Any:
    """The dialect the app speaks (an ``emulator.api.dialects.Dialect``)."""
    return request.scope["app"].dialect


def org(request: Request) -> Org:
    """The org of the request's key: the front's lookup when it served the request (it takes
    exactly the keys ``authenticate`` takes), else ``authenticate`` (a 401 for a bad key)."""
    found: Org | None = request.scope.get(ORG_KEY)
    if found is not None:
        return found
    return emulator(request).services.orgs.authenticate(request.headers.get("authorization"))


def respond(model: BaseModel, status: int = 200) -> Response:
    return Response(model.__pydantic_serializer__.to_json(model), status, media_type="application/json")


def respond_as(adapter: TypeAdapter[T], value: T, status: int = 200) -> Response:
    """A value that is not a model (a record that is its own answer), written by its adapter."""
    return Response(adapter.dump_json(value), status, media_type="application/json")


async def body_bytes(request: Request, limit: int | None = None) -> bytes:
    """The raw body, refused (413) once it passes ``limit`` (default: the API's 1 MiB), and
    (408) when it takes longer than the body timeout of real time to arrive."""
    config = emulator(request).config
    limit = config.max_body_bytes if limit is None else limit
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is over the {limit}-byte limit")
    chunks, size = [], 0
    # What asyncio.timeout does, at a quarter of its cost (one timer handle, nothing else):
    # on time, the task is cancelled and that cancellation, if it is the only one, becomes a 408.
    task, fired = asyncio.current_task(), list[bool]()
    assert task is not None
    timer = asyncio.get_running_loop().call_later(config.body_timeout, _expire, task, fired)
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"request body is over the {limit}-byte limit")
            chunks.append(chunk)
    except asyncio.CancelledError:
        if fired and task.uncancel() == 0:
            raise RequestTimeout(f"request body not received within {config.body_timeout:g} s") from None
        raise
    finally:
        timer.cancel()
    return b"".join(chunks)


def _expire(task: asyncio.Task[Any], fired: list[bool]) -> None:
    fired.append(True)
    task.cancel()


async def json_object(request: Request, required: bool = True) -> dict[str, Any]:
    """The request body as a JSON object ({} when absent and not required)."""
    return decode_object(await body_bytes(request), request.headers.get("content-type", ""), required)


def decode_object(raw: bytes, content_type: str, required: bool = True) -> dict[str, Any]:
    """``raw`` (a body sent with ``content_type``) as a JSON object, or the 4xx that says why not."""
    if not raw.strip():
        if required:
            raise InvalidRequest("request body is required: send a JSON object")
        return {}
    media = content_type.split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType(f"Content-Type must be application/json (got {media or 'none'})")
    try:
        # What json.loads does with bytes, with one decoder made once rather than one per body.
        data = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
    except RecursionError:  # where the parser gives up depends on the Python: say what is wrong
        raise InvalidRequest(f"request body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidRequest(f"request body must be a JSON object, not {type(data).__name__}")
    if not _plainly_fine(raw):
        _check_tree(data)
    return data


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


_DECODER = json.JSONDecoder(parse_constant=_not_json, parse_float=_finite)


def _plainly_fine(raw: bytes) -> bool:
    """True when the bytes alone show that ``_check_tree`` would find nothing (the usual body,
    and the walk costs more than the parse): fewer brackets than the depth limit (every
    container opens with one, in any encoding), and UTF-8 (no NUL byte: JSON in UTF-16 or
    UTF-32 has some) with neither a ``\\u`` escape nor 0xED, the lead byte of an encoded surrogate."""
    return (
        raw.count(b"{") + raw.count(b"[") < MAX_JSON_DEPTH
        and b"\\u" not in raw
        and b"\xed" not in raw
        and b"\x00" not in raw
    )


def _check_tree(data: Any) -> None:
    """Refuse what Python's json accepts but no response could carry back: nesting
    deeper than MAX_JSON_DEPTH, and unpaired surrogate escapes (like \\ud800)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InvalidRequest(f"request body is nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidRequest("request body has a string with an unpaired surrogate (like \\ud800)") from None


async def no_body(request: Request) -> None:
    """Body-less operations accept nothing, or an empty JSON object."""
    if await json_object(request, required=False):
        raise InvalidRequest("this operation takes no request body")


def parse(model: type[M], data: dict[str, Any], context: dict[str, Any] | None = None) -> M:
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise InvalidRequest(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    kind, msg = first["type"], first["msg"]
    pattern = first.get("ctx", {}).get("pattern")
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
        "string_pattern_mismatch": "is not a valid id (expected a UUID)"
        if pattern == UUID_PATTERN
        else f"must match the pattern {pattern}",
    }.get(kind)
    if plain is None:
        plain = msg.removeprefix("Value error, ")
    extra = len(exc.errors()) - 1
    return f"{where}: {plain}" + (f" (and {extra} more problem{'s' * (extra > 1)})" if extra else "")


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # ASCII digits, nothing around them: `\d` and int() also take other scripts' digits.
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw) or not low <= int(raw) <= high:
        raise InvalidRequest(f"{name}: must be an integer from {low} to {high} (got {raw!r})")
    return int(raw)


def query_choice(request: Request, name: str, choices: tuple[str, ...]) -> str | None:
    raw = request.query_params.get(name)
    if raw is not None and raw not in choices:
        raise InvalidRequest(f"{name}: must be one of {', '.join(choices)} (got {raw!r})")
    return raw


def query_id(request: Request, name: str) -> str | None:
    raw = request.query_params.get(name)
    if raw is not None and not UUID.fullmatch(raw):  # fullmatch: `$` also matches before a final newline
        raise InvalidRequest(f"{name}: {raw!r} is not a valid id (expected a UUID)")
    return raw


def only_params(request: Request, *known: str) -> None:
    """Refuse a query parameter the route does not know, or one given twice: a
    misspelt filter silently ignored would answer the wrong rows."""
    names = request.query_params.keys()
    unknown = sorted({n for n in names if n not in known})
    if unknown:
        raise InvalidRequest(
            f"unknown query parameter{'s' * (len(unknown) > 1)} {', '.join(unknown)}; "
            f"this list takes {', '.join(known)}"
        )
    repeated = sorted({n for n in names if len(request.query_params.getlist(n)) > 1})
    if repeated:
        raise InvalidRequest(f"{repeated[0]}: given more than once; send it once")


def route(path: str, **handlers: Any) -> Route:
    """One Route per path, so a wrong method gets 405 with the full ``Allow`` list."""
    table = {method.upper(): fn for method, fn in handlers.items()}
    if "GET" in table:
        table["HEAD"] = table["GET"]

    async def endpoint(request: Request) -> Response:
        response: Response = await table[request.method](request)
        return response

    endpoint.__name__ = "_".join(fn.__name__ for fn in handlers.values())
    return Route(path, endpoint, methods=list(table))

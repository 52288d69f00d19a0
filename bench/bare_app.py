"""The bare stack: minimal starlette apps with the same routes, the same bearer check and
constant JSON bodies of the same size as the emulator's answers (no state, no validation).
The bodies are rendered to bytes once at start and served as they are: the ceiling of the
stack (uvicorn + starlette) for an app that already has its answer; POST still reads and
parses the JSON body, as any handler must.

``app`` is CallingBox's (POST/GET /v1/calls, GET /v1/calls/{id}, key sk_test_emulator);
``voxbridge`` is VoxBridge's (POST /v1/calls/outbound, GET /v1/calls, GET /v1/calls/{id}, key
sk_live_emulator); both also serve GET /_emulator/events/stream: the SSE bytes captured from the
emulator's stream, sent as the emulator sends them (its head, then batches of whole messages of
at most 64 KiB, one body chunk each).

``BENCH_BARE_BODIES`` names a JSON file {"call": {...}, "list": {...}} captured from the
emulator by run.py, so both serve equally large bodies; without it a built-in call is used.
``BENCH_BARE_STREAM`` names a file of captured SSE bytes: the head up to the first ``id:``
message, then the messages (without it the stream route answers an empty stream).
Run: uvicorn bare_app:app --loop uvloop --http httptools --workers 1 --no-access-log
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

TOKEN = "Bearer sk_test_emulator"
CALL = {
    "id": "6b0d549b-6f03-475a-9600-a35a099950d8",
    "agent_id": "36f675cc-81e7-4ef5-a8e2-5d940ed90475",
    "to_number": "+15005550006",
    "from_number": "+14155550123",
    "status": "queued",
    "direction": "outbound",
    "persona": None,
    "instructions": None,
    "prompt": "You are a friendly, concise AI phone agent calling on behalf of the organization. "
    "Speak naturally, confirm important details and keep the call short.",
    "context": {},
    "returns": {},
    "result": None,
    "result_status": "pending",
    "result_error": None,
    "language": "en",
    "webhook_url": None,
    "webhook_status": "none",
    "webhook_error": None,
    "tools": None,
    "created_at": "2026-01-01T00:00:00Z",
    "started_at": None,
    "answered_at": None,
    "ended_at": None,
    "duration_seconds": None,
    "billed_duration_seconds": None,
    "billing_amount_milli_cents": None,
    "reservation_status": "reserved",
    "error_code": None,
    "error_message": None,
    "hangup_cause": None,
    "answered_by": None,
    "metadata": {},
    "updated_at": "2026-01-01T00:00:00Z",
}
BODIES = {"call": CALL, "list": {"data": [CALL] * 25, "has_more": True}}
if os.environ.get("BENCH_BARE_BODIES"):
    with open(os.environ["BENCH_BARE_BODIES"]) as f:
        BODIES.update(json.load(f))


def _bytes(body: object) -> bytes:
    # Rendered once, as JSONResponse would (compact separators, UTF-8): the same bytes per request.
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


CALL_BYTES = _bytes(BODIES["call"])
LIST_BYTES = _bytes(BODIES["list"])
JSON_TYPE = "application/json"
STREAM_BATCH = 64 * 1024  # the emulator's batch bound (emulator/api/stream.py BATCH_BYTES)


def _stream_parts() -> list[bytes]:
    """The captured stream as the emulator sends it: the head, then <= 64 KiB batches of messages."""
    path = os.environ.get("BENCH_BARE_STREAM")
    if not path:
        return []
    with open(path, "rb") as f:
        raw = f.read()
    start = raw.index(b"id: ") if b"id: " in raw else len(raw)
    parts, batch = [raw[:start]], b""
    for msg in raw[start:].split(b"\n\n"):
        if not msg:
            continue
        if batch and len(batch) >= STREAM_BATCH:
            parts.append(batch)
            batch = b""
        batch += msg + b"\n\n"
    return [*parts, batch] if batch else parts


STREAM_PARTS = _stream_parts()


async def stream(request: Request) -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        for part in STREAM_PARTS:
            yield part

    headers = {"cache-control": "no-store", "x-accel-buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream; charset=utf-8", headers=headers)


def _denied() -> JSONResponse:
    return JSONResponse({"error": "invalid API key"}, status_code=401)


def _app(token: str, post_path: str, post_only: bool) -> Starlette:
    """One dialect's three routes: GET by id, the list, and POST (on the list's path or its own)."""

    async def get_call(request: Request) -> Response:
        if request.headers.get("authorization") != token:
            return _denied()
        return Response(CALL_BYTES, media_type=JSON_TYPE)

    async def calls(request: Request) -> Response:
        if request.headers.get("authorization") != token:
            return _denied()
        if request.method == "POST":
            json.loads(await request.body())  # read and parse the body, as any handler must
            return Response(CALL_BYTES, status_code=201, media_type=JSON_TYPE)
        return Response(LIST_BYTES, media_type=JSON_TYPE)

    routes = [Route("/_emulator/events/stream", stream)]
    if post_only:  # VoxBridge: POST /v1/calls/outbound, a route of its own before /v1/calls/{id}
        routes += [Route(post_path, calls, methods=["POST"]), Route("/v1/calls", calls, methods=["GET"])]
    else:
        routes += [Route("/v1/calls", calls, methods=["GET", "POST"])]
    return Starlette(routes=[*routes, Route("/v1/calls/{call_id}", get_call)])


app = _app(TOKEN, "/v1/calls", post_only=False)
voxbridge = _app("Bearer sk_live_emulator", "/v1/calls/outbound", post_only=True)

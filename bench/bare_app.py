"""The bare stack: a minimal starlette app with the same routes, the same bearer check and
constant JSON bodies of the same size as the emulator's answers (no state, no validation).
The bodies are rendered to bytes once at start and served as they are: the ceiling of the
stack (uvicorn + starlette) for an app that already has its answer; POST still reads and
parses the JSON body, as any handler must.

``BENCH_BARE_BODIES`` names a JSON file {"call": {...}, "list": {...}} captured from the
emulator by run.py, so both serve equally large bodies; without it a built-in call is used.
Run: uvicorn bare_app:app --loop uvloop --http httptools --workers 1 --no-access-log
"""

from __future__ import annotations

import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
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
# Rendered once, as JSONResponse would (compact separators, UTF-8): the same bytes per request.
CALL_BYTES = json.dumps(BODIES["call"], ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
LIST_BYTES = json.dumps(BODIES["list"], ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
JSON_TYPE = "application/json"


def _denied() -> JSONResponse:
    return JSONResponse({"error": "invalid API key"}, status_code=401)


async def get_call(request: Request) -> Response:
    if request.headers.get("authorization") != TOKEN:
        return _denied()
    return Response(CALL_BYTES, media_type=JSON_TYPE)


async def calls(request: Request) -> Response:
    if request.headers.get("authorization") != TOKEN:
        return _denied()
    if request.method == "POST":
        json.loads(await request.body())  # read and parse the body, as any handler must
        return Response(CALL_BYTES, status_code=201, media_type=JSON_TYPE)
    return Response(LIST_BYTES, media_type=JSON_TYPE)


app = Starlette(
    routes=[
        Route("/v1/calls", calls, methods=["GET", "POST"]),
        Route("/v1/calls/{call_id}", get_call),
    ]
)

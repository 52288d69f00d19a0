"""The app's own CPU per request, in-process: no server, no socket, no load generator.

Each request is one call of the ASGI app (the emulator's, and bench/bare_app.py's) with a
prebuilt scope; CPU time (time.process_time) per request, the best of several rounds, so what
else runs on the machine moves it little. What uvicorn adds (parsing, the socket) is the same
for both and is left out: this shows what the emulator does above the bare app, path by path.

    python bench/asgi.py [--rounds 7] [--requests 4000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import httpx
from bare_app import app as bare_app

from emulator.api.app import create_app
from emulator.config import Config
from emulator.runtime import Emulator

KEY = "sk_test_emulator"


def scope(method: str, path: str, query: bytes, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1:8787"), (b"authorization", f"Bearer {KEY}".encode()), (b"user-agent", b"wrk")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8787),
        "state": {},
    }


async def cpu_per_request(app: Any, n: int, method: str, path: str, query: bytes = b"", body: bytes = b"") -> float:
    statuses: set[int] = set()
    message = {"type": "http.request", "body": body, "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    async def send(sent: dict[str, Any]) -> None:
        if sent["type"] == "http.response.start":
            statuses.add(sent["status"])

    started = time.process_time()
    for _ in range(n):
        await app(scope(method, path, query, body), receive, send)
    spent = time.process_time() - started
    if not statuses <= {200, 201}:
        raise RuntimeError(f"{method} {path} answered {sorted(statuses)}")
    return spent / n * 1e6


async def setup(app: Any) -> tuple[str, bytes]:
    """A number, an agent and 30 calls, over the app itself; the last call's id and a POST body."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://127.0.0.1:8787",
        headers={"Authorization": f"Bearer {KEY}"},
    ) as c:
        found = (await c.get("/v1/numbers/available", params={"area_code": "415", "limit": 1})).json()[0]
        number = (await c.post("/v1/numbers/purchase", json={"phone_number": found["phone_number"]})).json()
        agent = (
            await c.post("/v1/agents", json={"name": "B", "type": "outbound", "number_ids": [number["id"]]})
        ).json()
        body = json.dumps({"agent_id": agent["id"], "to": "+15005550006"}).encode()
        for _ in range(30):
            call = (await c.post("/v1/calls", content=body, headers={"content-type": "application/json"})).json()
    return call["id"], body


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=4000, help="per round (POST: a quarter)")
    args = parser.parse_args()
    app = create_app(Emulator(Config(balance_milli_cents=10**15)))  # conformance off, as `up` runs
    call_id, body = await setup(app)
    paths = {
        "GET /v1/calls/{id}": ("GET", f"/v1/calls/{call_id}", b"", b""),
        "GET /v1/calls?limit=25": ("GET", "/v1/calls", b"limit=25", b""),
        "POST /v1/calls": ("POST", "/v1/calls", b"", body),
    }
    print("| path | bare µs/req | emulator µs/req | emulator - bare |\n| --- | --- | --- | --- |")
    for label, request in paths.items():
        n = args.requests // 4 if request[0] == "POST" else args.requests
        bare = emulator = float("inf")
        for _ in range(args.rounds):  # alternating, best of each
            bare = min(bare, await cpu_per_request(bare_app, n, *request))
            emulator = min(emulator, await cpu_per_request(app, n, *request))
        print(f"| {label} | {bare:.1f} | {emulator:.1f} | {emulator - bare:+.1f} |")


if __name__ == "__main__":
    asyncio.run(main())

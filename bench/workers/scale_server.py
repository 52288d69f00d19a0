"""An emulator served over HTTP (uvicorn, uvloop+httptools, as ``up`` does) with bench-only
routes to fill it quickly in-process.

    python bench/workers/scale_server.py --port P

Extra routes (bench only, not part of the emulator):
  POST /_bench/populate {"calls": N, "terminal": bool}
      dispatch N calls through the domain services (Calls.dispatch: the same planner,
      scheduler job, queued event and credit hold as POST /v1/calls, minus HTTP and JSON);
      with "terminal", advance the manual clock until every call has ended (transcripts,
      results, billing). Answers {"stored", "seconds", "sample_ids"}.
  GET /_bench/rss   the process' VmRSS in KiB after a full gc.collect() (and how long that took).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, os.environ.get("BENCH_EMULATOR_TREE") or str(Path(__file__).resolve().parents[2]))

from emulator.config import Config  # noqa: E402
from emulator.runtime import Emulator  # noqa: E402
from emulator.server import bind, make_server  # noqa: E402

MAGIC = ("+15005550006", "+15005550001", "+15005550002", "+15005550004")


def setup(emulator: Emulator):
    s = emulator.services
    org = emulator.default_org
    org.balance_milli_cents = 10**15
    found = s.numbers.available(area_code="415", limit=1)[0]
    number = s.numbers.purchase(org, found.phone_number)
    agent = s.agents.create(org, {"name": "Bench", "type": "outbound", "number_ids": [number.id]})
    return org, agent


def populate(emulator: Emulator, org, agent, n: int, terminal: bool) -> float:
    t0 = time.perf_counter()
    dispatch = emulator.services.calls.dispatch
    for i in range(n):
        dispatch(org, agent, {"to": MAGIC[i % len(MAGIC)], "metadata": {"i": i}})
    if terminal:
        emulator.advance(3600)
    return time.perf_counter() - t0


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    emulator = Emulator(Config(clock="manual", port=args.port))
    # Ids only, no references: a reset must be able to free the old state (as in `up`).
    state = {"org": "", "agent": ""}

    async def bench_populate(request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("reset"):
            emulator.reset()
        org = emulator.store.orgs.get(state["org"])
        agent = org.agents.get(state["agent"]) if org is not None else None
        if org is None or agent is None:  # first use, or reset since
            org, agent = setup(emulator)
            state["org"], state["agent"] = org.id, agent.id
        seconds = populate(emulator, org, agent, int(body.get("calls", 0)), bool(body.get("terminal")))
        gc.collect()
        rows = list(org.calls.oldest_first())
        step = max(1, len(rows) // 1000)
        answer = {
            "stored": len(org.calls),
            "seconds": seconds,
            "agent_id": agent.id,
            "sample_ids": [c.id for c in rows[::step]][:1000],
        }
        del org, agent, rows
        return JSONResponse(answer)

    async def bench_rss(request: Request) -> JSONResponse:
        t0 = time.perf_counter()
        freed = gc.collect()
        return JSONResponse({"rss_kib": rss_kib(), "gc_seconds": time.perf_counter() - t0, "gc_freed": freed})

    sock = bind("127.0.0.1", args.port)
    server = make_server(emulator, sock)
    app = server.config.app
    app.router.routes.append(Route("/_bench/populate", bench_populate, methods=["POST"]))
    app.router.routes.append(Route("/_bench/rss", bench_rss, methods=["GET"]))
    try:  # the collector policy `up` installs (a tree from before it has none)
        from emulator import heap
    except ImportError:
        gc.freeze()
    else:
        heap.install()
    asyncio.run(server.serve(sockets=[sock]))


if __name__ == "__main__":
    main()

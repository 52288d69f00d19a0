"""N calls dispatched over HTTP (httpx AsyncClient + ASGITransport, in-process, no socket) and
driven to their terminal state with ``Emulator.advance_async`` on the manual clock.

    python bench/workers/simulation.py --calls 10000     # prints one JSON object

Destinations cycle through magic numbers: +15005550006 completed, 0001 busy, 0002 no_answer,
0004 voicemail. The agent has no webhook URL (webhooks are group 4). Every call is checked
terminal afterwards, over HTTP (all list pages) and in the store.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH_EMULATOR_TREE") or str(Path(__file__).resolve().parents[2]))

import httpx  # noqa: E402

from emulator.api.app import create_app  # noqa: E402
from emulator.config import Config  # noqa: E402
from emulator.runtime import Emulator  # noqa: E402

MAGIC = {"+15005550006": "completed", "+15005550001": "busy", "+15005550002": "no_answer", "+15005550004": "no_answer"}
TERMINAL = {"completed", "no_answer", "busy", "canceled", "failed"}
AUTH = {"Authorization": "Bearer sk_test_emulator"}


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def main(n: int, concurrency: int) -> dict:
    emulator = Emulator(Config(clock="manual"))
    app = create_app(emulator)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://emulator.test", headers=AUTH
    ) as client:

        async def ok(method: str, path: str, **kw):
            r = await client.request(method, path, **kw)
            assert r.status_code in (200, 201), f"{method} {path} -> {r.status_code} {r.text}"
            return r.json()

        org = (await ok("GET", "/_emulator/orgs"))["data"][0]
        await ok("PATCH", f"/_emulator/orgs/{org['id']}", json={"balance_milli_cents": 10**15})
        found = (await ok("GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1}))[0]
        number = await ok("POST", "/v1/numbers/purchase", json={"phone_number": found["phone_number"]})
        agent = await ok(
            "POST",
            "/v1/agents",
            json={
                "name": "Sim",
                "type": "outbound",
                "number_ids": [number["id"]],
                "returns": {"confirmed": "boolean", "note": "string"},
            },
        )
        gc.collect()
        rss0 = rss_kib()
        targets = list(MAGIC)
        expected: dict[str, str] = {}

        async def dispatch(i: int) -> None:
            to = targets[i % len(targets)]
            call = await ok("POST", "/v1/calls", json={"agent_id": agent["id"], "to": to, "metadata": {"i": i}})
            expected[call["id"]] = MAGIC[to]

        t0 = time.perf_counter()
        for start in range(0, n, concurrency):
            await asyncio.gather(*(dispatch(i) for i in range(start, min(n, start + concurrency))))
        t1 = time.perf_counter()
        jobs = await emulator.advance_async(3600)
        t2 = time.perf_counter()
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

        # Verify over HTTP: every page of GET /v1/calls.
        statuses: Counter[str] = Counter()
        wrong = 0
        after = None
        seen = 0
        while True:
            params = {"limit": 100, **({"starting_after": after} if after else {})}
            page = await ok("GET", "/v1/calls", params=params)
            for c in page["data"]:
                seen += 1
                statuses[c["status"]] += 1
                if c["status"] not in TERMINAL or c["status"] != expected.get(c["id"]):
                    wrong += 1
            if not page["has_more"]:
                break
            after = page["data"][-1]["id"]
        stored = list(emulator.default_org.calls.oldest_first())
        assert seen == n == len(stored), (seen, n, len(stored))
        assert all(c.status in TERMINAL for c in stored), "a call is not terminal"
        assert wrong == 0, f"{wrong} calls not in their expected terminal state"
        assert len(emulator.scheduler) == 0, "jobs left in the scheduler"
        return {
            "calls": n,
            "dispatch_seconds": t1 - t0,
            "drive_seconds": t2 - t1,
            "wall_seconds": t2 - t0,
            "calls_per_second": n / (t2 - t0),
            "dispatch_per_second": n / (t1 - t0),
            "jobs_run": jobs,
            "events": len(emulator.history.events()),
            "statuses": dict(statuses),
            "all_terminal": True,
            "rss_before_kib": rss0,
            "rss_peak_kib": rss_peak,
            "rss_after_kib": rss_kib(),
            "concurrency": concurrency,
        }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50, help="POSTs in flight at once")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.calls, args.concurrency))))

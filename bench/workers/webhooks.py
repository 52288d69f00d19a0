"""Webhook deliveries to a receiver in another process (bench/receiver.py), driven in-process.

    python bench/workers/webhooks.py --receiver http://127.0.0.1:P --events 10000 --mode paced   # prints JSON

The emulator runs in this process on uvloop (as `up` does) with a manual clock; its real webhook
transport (httpx, pooled, 64 in flight) POSTs over loopback to the receiver. Calls go to the
magic "completed" number, so each call publishes 4 events (queued, ringing, answered, completed),
each delivered once to the agent's webhook URL: events / 4 calls.

* paced: 1 % of the calls are dispatched per virtual second, then `advance_async(1)`, so events
  arrive steadily; finally the clock runs on (3 virtual days) to finish retries.
* burst: every call is dispatched at once, then one `advance_async(3 days)`.

Latency: a bus subscriber notes the wall time (time.time()) at which each event is published,
i.e. when the scheduler job that produced it ran; the receiver notes the wall time of arrival.
Latency = arrival - publish, for deliveries whose first attempt succeeded (a retry waits for
virtual time to pass, which here is only as long as the benchmark takes to advance the clock).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH_EMULATOR_TREE") or str(Path(__file__).resolve().parents[2]))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # bench/, after the emulator tree

from common import percentile  # noqa: E402

from emulator.api import dialects  # noqa: E402
from emulator.config import Config  # noqa: E402
from emulator.runtime import Emulator  # noqa: E402

THREE_DAYS = 3 * 86400


def receiver(method: str, url: str) -> object:
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


async def main(args: argparse.Namespace) -> dict:
    # The default dialect's profile, as `up` gives it: its events and its webhook format (the receiver
    # reads CallingBox's delivery headers).
    emulator = Emulator(Config(clock="manual", webhook_timeout=args.timeout), profile=dialects.get(None).profile)
    s = emulator.services
    org = emulator.default_org
    org.balance_milli_cents = 10**15
    number = s.numbers.purchase(org, s.numbers.available(area_code="415", limit=1)[0].phone_number)
    agent = s.agents.create(
        org, {"name": "Hooks", "type": "outbound", "number_ids": [number.id], "webhook_url": f"{args.receiver}/hook"}
    )
    published: dict[tuple[str, str], float] = {}
    emulator.bus.subscribe(lambda e: published.setdefault((e.call.id, e.type), time.time()))
    receiver("DELETE", f"{args.receiver}/_records")
    calls = args.events // 4

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    if args.mode == "burst":
        for _ in range(calls):
            s.calls.dispatch(org, agent, {"to": "+15005550006"})
        await emulator.advance_async(THREE_DAYS)
    else:
        per_second = max(1, calls // 100)
        done = 0
        while done < calls:
            for _ in range(min(per_second, calls - done)):
                s.calls.dispatch(org, agent, {"to": "+15005550006"})
                done += 1
            await emulator.advance_async(1.0)
        await emulator.advance_async(THREE_DAYS)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    await emulator.transport.aclose()

    records = receiver("GET", f"{args.receiver}/_records")
    rows = list(org.deliveries.oldest_first())
    delivered = sum(1 for d in rows if d.status == "delivered")
    first: dict[str, list] = {}
    for rec in records:  # [arrival, delivery_id, type, call_id, status]
        if rec[1] not in first or rec[0] < first[rec[1]][0]:
            first[rec[1]] = rec
    latencies = [
        (rec[0] - published[(rec[3], rec[2])]) * 1000
        for rec in first.values()
        if rec[4] == 200 and (rec[3], rec[2]) in published
    ]
    ok_ids = {rec[1] for rec in records if rec[4] == 200}
    attempts = emulator.dispatcher.log.total
    return {
        "mode": args.mode,
        "events": len(published),
        "calls": calls,
        "deliveries": len(rows),
        "delivered": delivered,
        "exhausted": sum(1 for d in rows if d.status == "exhausted"),
        "pending": sum(1 for d in rows if d.status == "pending"),
        "attempts": attempts,
        "received_requests": len(records),
        "received_500": sum(1 for r in records if r[4] == 500),
        "distinct_delivered_at_receiver": len(ok_ids),
        "wall_seconds": wall,
        "emulator_cpu_seconds": cpu,
        "deliveries_per_second": delivered / wall,
        "attempts_per_second": attempts / wall,
        "latency_first_attempt_ms": {
            "n": len(latencies),
            "p50": percentile(latencies, 50),
            "p99": percentile(latencies, 99),
            "max": max(latencies, default=float("nan")),
        },
        "retried_deliveries": sum(1 for d in rows if d.attempt_count > 1),
        "rss_peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--receiver", required=True)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--mode", choices=("paced", "burst"), default="paced")
    parser.add_argument("--timeout", type=float, default=10.0, help="webhook timeout, seconds")
    args = parser.parse_args()
    try:
        import uvloop

        result = uvloop.run(main(args))
    except ImportError:
        result = asyncio.run(main(args))
    print(json.dumps(result))

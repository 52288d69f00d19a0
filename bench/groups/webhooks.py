"""Group "webhooks": deliveries per second and event-to-receipt latency, 0 % and 10 % failing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from common import BENCH, TREE, free_port, log, mmm, ok, spawn, summary, wait_http

WORKER = BENCH / "workers" / "webhooks.py"
VARIANTS = (("paced", 0.0), ("paced", 0.1), ("burst", 0.0), ("burst", 0.1))
GOAL = 5_000  # deliveries/s in every variant (issue 15: no regression with the lean HTTP client)


def run(opts: dict[str, Any]) -> dict[str, Any]:
    events, rounds = opts["webhook_events"], opts["rounds"]
    port = free_port()
    recv = spawn("webhook-receiver", [sys.executable, str(BENCH / "receiver.py"), "--port", str(port)], port)
    raw: dict[str, list[dict[str, Any]]] = {f"{m}/{int(f * 100)}%": [] for m, f in VARIANTS}
    try:
        wait_http(f"{recv.base_url}/_records", popen=recv.popen)
        for r in range(rounds):
            for mode, fail in VARIANTS:
                ok("POST", f"{recv.base_url}/_config", {"fail_rate": fail, "slow_rate": 0})
                out = subprocess.run(
                    [sys.executable, str(WORKER), "--receiver", recv.base_url, "--events", str(events), "--mode", mode],
                    capture_output=True,
                    text=True,
                    timeout=600,
                    env={**os.environ, "BENCH_EMULATOR_TREE": TREE},
                )
                if out.returncode != 0:
                    raise RuntimeError(f"webhook worker failed: {out.stderr[-2000:]}")
                res = json.loads(out.stdout.strip().splitlines()[-1])
                key = f"{mode}/{int(fail * 100)}%"
                raw[key].append(res)
                lat = res["latency_first_attempt_ms"]
                log(
                    f"webhooks round {r + 1}/{rounds} {key:10} {res['deliveries_per_second']:>7,.0f} deliveries/s "
                    f"({res['delivered']:,}/{res['deliveries']:,} delivered, {res['attempts']:,} attempts) "
                    f"latency p50 {lat['p50']:.1f} ms p99 {lat['p99']:.1f} ms"
                )
                assert res["delivered"] == res["deliveries"] == events, "not every event was delivered"
                assert res["distinct_delivered_at_receiver"] == events, "receiver did not get every delivery"
    finally:
        recv.stop()
    out_res: dict[str, Any] = {"events": events, "rounds": rounds, "variants": {}}
    for key, runs in raw.items():
        out_res["variants"][key] = {
            "deliveries_per_second": summary(x["deliveries_per_second"] for x in runs),
            "attempts_per_second": summary(x["attempts_per_second"] for x in runs),
            "wall_seconds": summary(x["wall_seconds"] for x in runs),
            "cpu_seconds": summary(x["emulator_cpu_seconds"] for x in runs),
            "p50_ms": summary(x["latency_first_attempt_ms"]["p50"] for x in runs),
            "p99_ms": summary(x["latency_first_attempt_ms"]["p99"] for x in runs),
            "attempts": summary(x["attempts"] for x in runs),
            "received_500": summary(x["received_500"] for x in runs),
            "retried": summary(x["retried_deliveries"] for x in runs),
            "runs": runs,
        }
    v = out_res["variants"]
    out_res["targets"] = [
        {
            "target": f"webhooks >= {GOAL:,} deliveries/s ({key}, {events:,} events)",
            "value": v[key]["deliveries_per_second"]["median"],
            "goal": GOAL,
            "pass": v[key]["deliveries_per_second"]["median"] >= GOAL,
            "detail": f"deliveries/s, min/median/max {mmm(v[key]['deliveries_per_second']).replace('*', '')}",
        }
        for key in raw
    ]
    return out_res


def report(res: dict[str, Any]) -> list[str]:
    lines = [
        f"{res['events']:,} events per run, {res['rounds']} rounds, variants alternating within a round. "
        "`bench/workers/webhooks.py` runs the emulator in-process on uvloop (as `up` does) with the manual clock "
        "and its real webhook transport; it POSTs over loopback to `bench/receiver.py`, a separate process "
        "(asyncio + httptools, records the arrival wall time; with 10 % failing, a seeded 10 % of requests "
        "answer 500 and are retried on the documented schedule). Calls go to the magic completed number: 4 events "
        "each (queued, ringing, answered, completed), one delivery per event to the agent's webhook URL. "
        "*paced*: 1 % of the calls dispatched per virtual second, then `advance_async(1)`; *burst*: all calls "
        "dispatched at once, then one `advance_async`. Both then run the clock 3 virtual days on, so every retry "
        "happens. Deliveries/s = delivered rows / wall time of the whole run (dispatching included); every run "
        "asserts that all rows end `delivered` and the receiver saw each delivery id answered 200.",
        "",
        "Latency = receiver arrival wall time - wall time at which the scheduler job that published the event ran "
        "(a bus subscriber notes it), for deliveries whose first attempt succeeded. In *burst*, all events of an "
        "instant are published together, so latency includes queueing behind the whole burst (64 attempts in "
        "flight at most); *paced* shows the per-delivery latency. Retried deliveries wait for virtual time, "
        "which here passes as fast as the benchmark advances it, so they are counted, not timed.",
        "",
        "| variant | deliveries/s | attempts/s | wall s | emulator CPU s | p50 ms | p99 ms | attempts | 500s answered | retried |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, v in res["variants"].items():
        lines.append(
            f"| {key} failing | {mmm(v['deliveries_per_second'])} | {mmm(v['attempts_per_second'])} | "
            f"{mmm(v['wall_seconds'], 2)} | {mmm(v['cpu_seconds'], 2)} | {mmm(v['p50_ms'], 1)} | "
            f"{mmm(v['p99_ms'], 1)} | {v['attempts']['median']:,.0f} | {v['received_500']['median']:,.0f} | "
            f"{v['retried']['median']:,.0f} |"
        )
    return lines

"""Group "simulation": N calls dispatched over in-process HTTP and driven to their terminal state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from common import BENCH, TREE, log, mmm, summary

WORKER = BENCH / "workers" / "simulation.py"
GOAL = 5.0  # seconds of wall time for the run (issue 15: 10,000 calls to terminal < 5 s)


def run(opts: dict[str, Any]) -> dict[str, Any]:
    n, rounds = opts["sim_calls"], opts["rounds"]
    runs = []
    for r in range(rounds):
        out = subprocess.run(
            [sys.executable, str(WORKER), "--calls", str(n)],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, "BENCH_EMULATOR_TREE": TREE},
        )
        if out.returncode != 0:
            raise RuntimeError(f"simulation worker failed: {out.stderr[-2000:]}")
        res = json.loads(out.stdout.strip().splitlines()[-1])
        runs.append(res)
        log(
            f"simulation round {r + 1}/{rounds}: {n:,} calls in {res['wall_seconds']:.2f} s "
            f"(dispatch {res['dispatch_seconds']:.2f} s, drive {res['drive_seconds']:.2f} s), "
            f"{res['statuses']}, peak RSS {res['rss_peak_kib'] / 1024:.0f} MiB"
        )
    wall = summary(x["wall_seconds"] for x in runs)
    return {
        "calls": n,
        "rounds": rounds,
        "runs": runs,
        "wall_seconds": wall,
        "dispatch_seconds": summary(x["dispatch_seconds"] for x in runs),
        "drive_seconds": summary(x["drive_seconds"] for x in runs),
        "calls_per_second": summary(x["calls_per_second"] for x in runs),
        "rss_peak_mib": summary(x["rss_peak_kib"] / 1024 for x in runs),
        "rss_growth_mib": summary((x["rss_peak_kib"] - x["rss_before_kib"]) / 1024 for x in runs),
        "targets": [
            {
                "target": f"{n:,} calls all terminal in < {GOAL:g} s wall",
                "value": wall["median"],
                "goal": GOAL,
                "pass": wall["median"] < GOAL and all(x["all_terminal"] for x in runs),
                "detail": f"seconds, min/median/max {wall['min']:.2f} / {wall['median']:.2f} / {wall['max']:.2f}",
            }
        ],
    }


def report(res: dict[str, Any]) -> list[str]:
    first = res["runs"][0]
    return [
        f"`bench/workers/simulation.py --calls {res['calls']:,}`, {res['rounds']} rounds, each a fresh process: an "
        '`Emulator(Config(clock="manual"))` and `create_app`, reached by `httpx.AsyncClient` over '
        "`httpx.ASGITransport` (in-process, no socket). Setup (org balance, number, agent with `returns`) over "
        f"HTTP, then {res['calls']:,} `POST /v1/calls` (50 in flight) cycling the magic numbers +15005550006 "
        "(completed), 0001 (busy), 0002 (no_answer), 0004 (voicemail, ends no_answer), then one "
        "`await emulator.advance_async(3600)`. Afterwards it pages through `GET /v1/calls` and asserts every call "
        "is in its expected terminal state and no job is left. No webhooks (group 4). Wall time = dispatch + drive; "
        "peak memory is the process' peak RSS (ru_maxrss).",
        "",
        "| calls | wall s | dispatch s | drive s | calls/s | peak RSS MiB | RSS growth MiB | statuses (one run) | jobs run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {res['calls']:,} | {mmm(res['wall_seconds'], 2)} | {mmm(res['dispatch_seconds'], 2)} | "
        f"{mmm(res['drive_seconds'], 2)} | {mmm(res['calls_per_second'])} | {mmm(res['rss_peak_mib'])} | "
        f"{mmm(res['rss_growth_mib'])} | {json.dumps(first['statuses'])} | {first['jobs_run']:,} |",
    ]
